// The Engine checks tab: every op forward against a float64 reference and backward against finite differences,
// the list the Node suite runs (web/src/checks.ts on src/checks), here on this browser's WebGPU adapter.
import { runAllChecks, type CheckOutcome } from '../checks.ts';
import { elements, setStatus } from '../dom.ts';
import type { Shell } from '../shell.ts';

export function initChecksTab(panel: HTMLElement, shell: Shell) {
  const ui = elements(panel, {
    checksRun: HTMLButtonElement,
    checksSlow: HTMLInputElement,
    checksSummary: HTMLElement,
    checksTable: HTMLTableElement,
    limits: HTMLElement,
  });
  const state: { checks: CheckOutcome[] | null } = { checks: null };

  shell.onChange(() => {
    ui.checksRun.disabled = !shell.idle();
  });
  void shell.ready.then(() => {
    ui.limits.textContent = Object.entries(shell.limits)
      .map(([k, v]) => `${k.padEnd(36)} ${v}`)
      .join('\n');
  });

  async function run(includeSlow = ui.checksSlow.checked, filter?: string): Promise<CheckOutcome[]> {
    return shell.withBusy('checks', async () => {
      const tbody = ui.checksTable.querySelector('tbody')!;
      tbody.innerHTML = '';
      const t0 = performance.now();
      const results = await runAllChecks({
        includeSlow,
        filter,
        onResult(r, done) {
          const tr = document.createElement('tr');
          const cls = r.skipped ? 'skip' : r.pass ? 'pass' : 'fail';
          tr.innerHTML = `<td></td><td class="${cls}">${r.skipped ? 'skipped' : r.pass ? 'pass' : 'FAIL'}</td><td>${r.ms.toFixed(0)}</td><td></td>`;
          tr.cells[0]!.textContent = r.name;
          tr.cells[3]!.textContent = r.detail;
          tbody.append(tr);
          setStatus(ui.checksSummary, `${done} checks run…`);
        },
      });
      const ran = results.filter((r) => !r.skipped);
      const failed = ran.filter((r) => !r.pass);
      const line = `${ran.length - failed.length}/${ran.length} passed, ${results.length - ran.length} slow skipped, ${((performance.now() - t0) / 1000).toFixed(1)} s on ${shell.adapter}`;
      setStatus(ui.checksSummary, line, failed.length > 0);
      if (failed.length) shell.error(line);
      state.checks = results;
      return results;
    });
  }
  ui.checksRun.addEventListener('click', () => void run());

  return { state, run };
}
