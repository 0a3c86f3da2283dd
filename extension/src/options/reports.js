// The options page's "Reported mistakes": how many, export as a dataset, clear.
import { clearReports, listReports } from '../lib/reports.js';
import { datasetZip } from '../lib/dataset.js';

/** Wire the section (its buttons and count) inside `section`. */
export function showReports(section) {
  const count = section.querySelector('#reports-count');
  const exportButton = section.querySelector('#reports-export');
  const clearButton = section.querySelector('#reports-clear');

  async function refresh() {
    const reports = await listReports();
    const sent = reports.filter((r) => r.sent === 'ok').length;
    count.textContent = reports.length
      ? `${reports.length} reported (${reports.filter((r) => r.label === 'ai').length} AI, ${reports.filter((r) => r.label === 'human').length} human)${sent ? `, ${sent} sent to your server` : ''}.`
      : 'No reports yet.';
    exportButton.disabled = clearButton.disabled = reports.length === 0;
  }

  exportButton.addEventListener('click', async () => {
    const zip = datasetZip(await listReports());
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
    link.download = `aiorhuman-reports-${new Date().toISOString().slice(0, 10)}.zip`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  });
  clearButton.addEventListener('click', async () => {
    await clearReports();
    await refresh();
  });
  // Reports arrive from pages while this page is open.
  addEventListener('focus', refresh);
  setInterval(refresh, 2000);
  return refresh();
}
