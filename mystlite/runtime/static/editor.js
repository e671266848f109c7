// The cell editor: CodeMirror 6, self-hosted, loaded the first time a reader focuses a cell (never with the page).
// Python highlighting in the theme's readable colours, indentation, brackets, undo; Tab completes and Shift+Tab
// shows help from jedi in the worker, as in Jupyter; Escape then Tab leaves the editor.
import { EditorState, Prec } from "./lib/codemirror-state.js";
import { EditorView, keymap, drawSelection } from "./lib/codemirror-view.js";
import { defaultKeymap, history, historyKeymap, indentMore, indentLess } from "./lib/codemirror-commands.js";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "./lib/codemirror-language.js";
import {
  autocompletion, acceptCompletion, closeBrackets, closeBracketsKeymap, completionKeymap, completionStatus,
  startCompletion,
} from "./lib/codemirror-autocomplete.js";
import { python } from "./lib/codemirror-lang-python.js";
import { classHighlighter } from "./lib/lezer-highlight.js";

const AFTER_NAME = /[\w.)\]]$/;

// text: the code to start from; label: the editor's accessible name; run: Shift+Enter;
// changed(text): after each edit; ask(kind, code, line, column): a reply from jedi ("complete" or "help").
export function createEditor(host, { text, label, run, changed, ask }) {
  let leaving = false; // Escape was pressed: the next Tab moves the focus on, as the browser does
  const help = document.createElement("div");
  help.className = "cell-help";
  help.setAttribute("role", "status");
  help.hidden = true;

  const position = (state) => {
    const head = state.selection.main.head;
    const line = state.doc.lineAt(head);
    return { line: line.number, column: head - line.from };
  };

  async function complete(context) {
    if (!context.explicit) return null;
    const { line, column } = position(context.state);
    const reply = await ask("complete", context.state.doc.toString(), line, column);
    if (!reply || reply.error || !reply.matches.length) return null;
    return {
      from: context.pos - reply.prefix,
      options: reply.matches.map((m) => ({ label: m.name, type: m.type === "statement" ? "variable" : m.type })),
      validFor: /^\w*$/,
    };
  }

  async function showHelp(view) {
    const { line, column } = position(view.state);
    help.hidden = false;
    help.textContent = "Looking it up…";
    const reply = await ask("help", view.state.doc.toString(), line, column);
    if (!reply) help.textContent = "Help is not available: Python was restarted.";
    else if (reply.error) help.textContent = `Help is not available: ${reply.error}`;
    else help.textContent = reply.text || "No help found here.";
  }

  const before = (state) => state.sliceDoc(Math.max(0, state.selection.main.head - 1), state.selection.main.head);

  const keys = Prec.highest(keymap.of([
    { key: "Shift-Enter", run: () => { run(); return true; } },
    { key: "Escape", run: () => {
      if (!help.hidden) { help.hidden = true; return true; }
      leaving = true;
      return false;
    } },
    { key: "Tab", run: (view) => {
      if (leaving) { leaving = false; return false; }
      const status = completionStatus(view.state);
      // a list is open: Tab accepts, and never moves the focus out of the editor
      if (status === "active") return acceptCompletion(view) || true;
      if (status === "pending") return true; // jedi's answer is on its way: do not ask twice
      if (view.state.selection.main.empty && AFTER_NAME.test(before(view.state))) return startCompletion(view);
      return indentMore(view);
    } },
    { key: "Shift-Tab", run: (view) => {
      if (leaving) { leaving = false; return false; }
      if (view.state.selection.main.empty && /[\w.(]$/.test(before(view.state))) { showHelp(view); return true; }
      return indentLess(view);
    } },
  ]));

  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: text,
      extensions: [
        keys, history(), drawSelection(), indentOnInput(), bracketMatching(), closeBrackets(),
        indentUnit.of("    "), EditorState.tabSize.of(4), python(), syntaxHighlighting(classHighlighter),
        // the list opens only when the reader asks (Tab), so CodeMirror's guard against an accidental accept
        // right after it opens (75 ms) only swallowed a quick second Tab
        autocompletion({ override: [complete], activateOnTyping: false, icons: false, interactionDelay: 0 }),
        keymap.of([...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, ...defaultKeymap]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed(update.state.doc.toString());
        }),
        EditorView.domEventHandlers({ keydown: (event) => { if (event.key !== "Escape") leaving = false; } }),
        EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", tabindex: "0" }),
      ],
    }),
  });
  host.after(help);
  return {
    view,
    text: () => view.state.doc.toString(),
    set: (value) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } }),
    focus: () => view.focus(),
  };
}
