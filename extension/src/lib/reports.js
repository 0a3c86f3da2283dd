// The local list of reported mistakes: IndexedDB of the extension's origin, shared by the
// background (which adds) and the options page (which counts, exports and clears). Nothing
// here leaves the browser; lib/server.js sends a report when the user asked for that.

const DB = 'aiorhuman';
const STORE = 'reports';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request?.result);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Keep a report; resolves to its id. */
export const addReport = (report) => run('readwrite', (store) => store.add(report));
/** Change fields of a kept report (its sending status). */
export const updateReport = (id, fields) =>
  run('readwrite', (store) => {
    const get = store.get(id);
    get.onsuccess = () => get.result && store.put({ ...get.result, ...fields });
    return get;
  });
export const listReports = () => run('readonly', (store) => store.getAll());
export const countReports = () => run('readonly', (store) => store.count());
export const clearReports = () => run('readwrite', (store) => store.clear());
