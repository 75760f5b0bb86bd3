// cmr-xl task pane (xlwings Server). Office.js passes at most ~5 MB per request in Excel
// on the web, so big sheets are read in pieces and sent ahead to /cmr/stage; the script
// then runs on the workbook sent without values (getBookData lazy) and its actions are
// applied in batches under that size.
const PIECE_BYTES = 2000000; // a sheet piece sent ahead
const ACTION_BYTES = 3000000; // actions applied in one Excel.run
const BASE = JSON.parse(document.getElementById("config").textContent).appPath || "";
const BOOK = ["Criteria", "Results", "Summary", "About"];

function status(text, isError = false) {
  const el = document.getElementById("cmr-status");
  el.textContent = text;
  el.className = isError ? "small text-danger" : "small";
}

async function authHeaders() {
  const auth = typeof globalThis.getAuth === "function"
    ? await globalThis.getAuth() : { token: "", provider: "" };
  const headers = {};
  if (auth.token) headers["Authorization"] = auth.token;
  if (auth.provider) headers["Auth-Provider"] = auth.provider;
  return headers;
}

async function post(path, body, headers = {}) {
  const response = await fetch(BASE + path, {
    method: "POST", body: body,
    headers: { ...(await authHeaders()), ...headers },
  });
  if (!response.ok) throw new Error(await response.text());
  return await response.json();
}

async function stageSheets(names, token = "") {
  for (const name of names) {
    await Excel.run(async (context) => {
      const sheet = context.workbook.worksheets.getItemOrNullObject(name);
      await context.sync();
      if (sheet.isNullObject) return;
      const used = sheet.getUsedRangeOrNullObject(true);
      used.load("rowIndex,columnIndex,rowCount,columnCount");
      await context.sync();
      if (used.isNullObject) return;
      const rows = used.rowIndex + used.rowCount;
      const cols = used.columnIndex + used.columnCount;
      let step = 1000;
      for (let start = 0; start < rows; start += step) {
        const count = Math.min(step, rows - start);
        const piece = sheet.getRangeByIndexes(start, 0, count, cols).load("values");
        await context.sync();
        const body = JSON.stringify({ staged: token, sheet: name, start, rows: piece.values });
        token = (await post("/cmr/stage", body, { "Content-Type": "application/json" })).staged;
        step = Math.max(100, Math.floor(step * PIECE_BYTES / Math.max(body.length, 1)));
      }
    });
  }
  return token;
}

async function applyActions(actions) {
  let batch = [], size = 0;
  for (const action of actions || []) {
    const bytes = JSON.stringify(action).length;
    if (batch.length && size + bytes > ACTION_BYTES) {
      await globalThis.xlwings.runActions({ actions: batch });
      batch = []; size = 0;
    }
    batch.push(action); size += bytes;
  }
  if (batch.length) await globalThis.xlwings.runActions({ actions: batch });
}

async function runScript(name, include, args) {
  const payload = await globalThis.xlwings.getBookData({ include: include.join(","), lazy: true });
  payload.args = args;
  const data = await post(`/xlwings/custom-scripts-call/${name}`, JSON.stringify(payload),
    { "Content-Type": "application/json" });
  await applyActions(data.actions);
}

async function busy(label, work) {
  status(label + "...");
  try { await work(); status(label + ": done."); }
  catch (error) { status(label + ": " + (error.message || error), true); }
}

export async function recalculate() {
  await busy("Recalculate", async () =>
    runScript("recalculate", BOOK, [await stageSheets(BOOK)]));
}
export async function makeLive() {
  await busy("Make live", async () =>
    runScript("make_live", ["Results", "Live"], [await stageSheets(["Results"])]));
}
export async function freeze() {
  await busy("Freeze results", async () =>
    runScript("freeze_results", ["Results"], [await stageSheets(["Results"])]));
}

async function importFile() {
  const file = document.getElementById("cmr-doj-file").files[0];
  if (!file) { status("Choose the DOJ file first.", true); return; }
  await busy("Import", async () => {
    const upload = (await post(`/cmr/upload?name=${encodeURIComponent(file.name)}`, file,
      { "Content-Type": "application/octet-stream" })).upload;
    const staged = await stageSheets(["Criteria", "Summary", "About"]);
    await runScript("import_doj_file", BOOK, [upload, staged]);
  });
}

function workbookFile() {
  // The open workbook as .xlsx bytes, in slices (Office.js getFileAsync).
  return new Promise((resolve, reject) => {
    Office.context.document.getFileAsync(Office.FileType.Compressed,
      { sliceSize: 4194304 }, (result) => {
        if (result.status !== Office.AsyncResultStatus.Succeeded) {
          reject(result.error); return;
        }
        const file = result.value, parts = [];
        const next = (i) => file.getSliceAsync(i, (slice) => {
          if (slice.status !== Office.AsyncResultStatus.Succeeded) {
            file.closeAsync(); reject(slice.error); return;
          }
          parts.push(new Uint8Array(slice.value.data));
          if (i + 1 < file.sliceCount) next(i + 1);
          else { file.closeAsync(); resolve(new Blob(parts)); }
        });
        next(0);
      });
  });
}

async function courtCopies() {
  await busy("Court copies", async () => {
    const pending = document.getElementById("cmr-send-pending").checked;
    const answer = await post(
      "/cmr/court-copies" + (pending ? "?send_pending=true" : ""), await workbookFile(),
      { "Content-Type": "application/octet-stream" });
    const link = document.getElementById("cmr-download");
    link.href = answer.download;
    link.classList.remove("d-none");
    link.textContent = `Download court-copies.zip (${answer.files.length} files)`;
    try { Office.context.ui.openBrowserWindow(window.location.origin + answer.download); }
    catch (error) { /* the link stays for Excel on the web */ }
  });
}

Office.onReady(() => {
  document.getElementById("cmr-import").addEventListener("click", importFile);
  document.getElementById("cmr-recalculate").addEventListener("click", recalculate);
  document.getElementById("cmr-make-live").addEventListener("click", makeLive);
  document.getElementById("cmr-freeze").addEventListener("click", freeze);
  document.getElementById("cmr-court-copies").addEventListener("click", courtCopies);
  globalThis.cmrXl = { recalculate, makeLive, freeze };
});
