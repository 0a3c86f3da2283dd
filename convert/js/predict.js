// Shared by Node and the browser page: score a pixel batch a few images at a time.
export const BATCH = 16;

export async function predictInBatches(tf, model, data, shape) {
  const [count, ...image] = shape;
  const size = image.reduce((a, b) => a * b, 1);
  const probabilities = [];
  for (let start = 0; start < count; start += BATCH) {
    const end = Math.min(count, start + BATCH);
    const input = tf.tensor(data.slice(start * size, end * size), [end - start, ...image]);
    const output = model.predict(input);
    probabilities.push(...(await output.data()));
    tf.dispose([input, output]);
  }
  return probabilities;
}
