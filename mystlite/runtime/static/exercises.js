// Exercises that check themselves. When the reader's run of an exercise's last cell succeeds, the exercise's
// hidden check runs in the same Python, and "✓ Correct" or "✗ <the check's message>" shows under it. Attempts
// are kept in the browser with the reader's edits; a solution may open only after some attempts (a nudge, not a
// lock: "Show anyway" is always there). The checks come from their own file, fetched the first time one runs.

const el = (tag, attrs = {}, text = "") => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
};

function load(key) {
  try {
    const saved = JSON.parse(localStorage.getItem(key) || "null");
    if (saved && Number.isInteger(saved.attempts)) return saved;
  } catch { /* storage unavailable */ }
  return { attempts: 0, passed: false };
}

function save(key, state) {
  try { localStorage.setItem(key, JSON.stringify(state)); } catch { /* private mode: not kept */ }
}

export function setupExercises({ checksUrl, solutionAfter, check }) {
  let checks = null;
  const loadChecks = () => {
    checks = checks || fetch(checksUrl).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
    return checks;
  };
  for (const box of document.querySelectorAll(".exercise[data-check]")) {
    const cells = [...box.querySelectorAll('.cell[data-executable="true"]')];
    const feedback = box.querySelector(".exercise-feedback");
    const attempts = box.querySelector(".exercise-attempts");
    if (!cells.length || !feedback) continue;
    const key = `mystlite-exercise:${location.pathname}:${box.dataset.check}`;
    let state = load(key);
    const solution = box.id ? document.querySelector(`.solution[data-exercise="${CSS.escape(box.id)}"]`) : null;
    const gate = solution && solutionAfter > 0 ? lockSolution(solution, solutionAfter) : null;
    const showState = () => {
      attempts.textContent = state.attempts ? `Attempts: ${state.attempts}` + (state.passed ? " · solved" : "") : "";
      if (gate) gate.update(state);
    };
    showState();

    const judge = async () => {
      feedback.replaceChildren(el("span", { class: "exercise-checking" }, "Checking…"));
      const code = (await loadChecks())[box.dataset.check];
      const reply = code ? await check(code) : null;
      if (!reply || reply.error) {
        feedback.replaceChildren(el("span", { class: "exercise-fail" },
                                    `The check could not run: ${(reply && reply.error) || "it is not on this site"}`));
        return;
      }
      state = { attempts: state.attempts + 1, passed: state.passed || reply.passed };
      save(key, state);
      showState();
      if (reply.passed) {
        feedback.replaceChildren(el("span", { class: "exercise-pass" }, "✓ Correct"));
      } else {
        const why = reply.ename === "AssertionError"
          ? (reply.message || "Not yet: the check did not pass.")
          : `${reply.ename}: ${reply.message}`;
        feedback.replaceChildren(el("span", { class: "exercise-fail" }, `✗ ${why}`));
      }
    };
    cells[cells.length - 1].addEventListener("mystlite:ran", (event) => {
      if (event.detail.failed) {  // the reader's own error shows as a traceback in the cell
        feedback.replaceChildren();
        return;
      }
      // Run all goes on only after the check: it judges the exercise's cells, not the cells after them
      event.detail.waitUntil(judge());
    });

    box.querySelector(".reset-exercise")?.addEventListener("click", () => {
      for (const cell of cells) {
        const reset = cell.querySelector(".reset-cell");
        if (reset && !reset.hidden) reset.click();
      }
      feedback.replaceChildren();
    });
  }
}

// The solution stays folded and will not open until the reader has tried N times, unless they ask.
function lockSolution(solution, after) {
  const note = el("p", { class: "solution-lock" });
  const anyway = el("button", { class: "show-anyway", type: "button" }, "Show anyway");
  const text = el("span");
  note.append(text, " ", anyway);
  const summary = solution.querySelector(":scope > summary");
  const body = solution.querySelector(":scope > .scholarly-body");
  solution.before(note);  // outside the folded solution, where the reader sees it
  let locked = true;
  const setLocked = (value) => {
    locked = value;
    note.hidden = !value;
    if (body) body.hidden = value && !summary;  // an unfolded solution hides its body while locked
    if (value && solution.open) solution.open = false;
  };
  summary?.addEventListener("click", (event) => { if (locked) event.preventDefault(); });
  anyway.addEventListener("click", () => {
    setLocked(false);
    if (summary) solution.open = true;
  });
  return {
    update(state) {
      if (!locked) return;
      if (state.passed || state.attempts >= after) {
        setLocked(false);
        return;
      }
      const left = after - state.attempts;
      text.textContent = `The solution opens after ${left} more attempt${left === 1 ? "" : "s"}.`;
      setLocked(true);
    },
  };
}
