// cmr-xl ribbon buttons (manifest.xml: ExecuteFunction). They run what the task pane's
// buttons run (cmr.js, loaded by the task pane page that is also the FunctionFile).
async function cmrRibbon(event, name) {
  try {
    if (globalThis.cmrXl) await globalThis.cmrXl[name]();
  } finally {
    event.completed();
  }
}
Office.actions.associate("cmr-recalculate", (event) => cmrRibbon(event, "recalculate"));
Office.actions.associate("cmr-make-live", (event) => cmrRibbon(event, "makeLive"));
Office.actions.associate("cmr-freeze", (event) => cmrRibbon(event, "freeze"));
