// Stored widgets (a notebook saved with its widget state) drawn as working widgets before Python starts, and on
// pages without Python, as nbconvert's HTML export does: sliders move and jslinks hold; Python callbacks come
// only after the reader runs the cell again.
import { createWidgets } from "./widgets.js";

const state = JSON.parse(document.getElementById("mystlite-widget-state").textContent);
const widgets = await createWidgets({ libraries: new URL("lib/widgets/", import.meta.url), send: null })
  .catch(() => null);
if (widgets) {
  await widgets.restore(state);
  for (const box of document.querySelectorAll(".output-widget[data-model-id]")) {
    const fallback = [...box.childNodes];
    const area = document.createElement("div");
    area.className = "widget-area";
    box.append(area);
    if (await widgets.show({ model_id: box.dataset.modelId }, area)) for (const node of fallback) node.remove();
    else area.remove();
  }
}
