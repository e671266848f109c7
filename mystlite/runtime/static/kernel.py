"""The in-page runtime's Python side: runs cells with Jupyter-like semantics and sends outputs to the page.

Loaded once per page into the worker's pyodide. `send(kind, json_text)` is the worker's callback.
"""

import ast
import base64
# not used here: imported so that the start-up snapshot holds it (164 bytes there). Most packages import it
# (numpy, pandas, matplotlib, msgpack, pydantic), and importing it afresh fetches python_stdlib_common.zip
# (540 KB) in a page's first cell: msgpack's first output came 41 ms sooner cold, 17 ms warm.
import datetime  # noqa: F401
import json
import linecache
import os
import pprint
import re
import shlex
import sys
import traceback
import types

os.environ.setdefault("MPLBACKEND", "Agg")  # matplotlib draws into PNG outputs, never a window

_MIME_METHODS = (
    ("text/html", "_repr_html_"), ("text/markdown", "_repr_markdown_"), ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"), ("image/jpeg", "_repr_jpeg_"), ("text/latex", "_repr_latex_"),
    ("application/json", "_repr_json_"),
)


def _sympy_mathml(obj):
    """sympy's expressions as presentation MathML, which the browser draws as math with no library."""
    if not (type(obj).__module__ or "").startswith("sympy"):
        return None
    try:
        from sympy.printing.mathml import mathml

        return (f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
                f'{mathml(obj, printer="presentation")}</math>')
    except Exception:
        return None


def mime_bundle(obj):
    """The rich representations of obj, as Jupyter's display protocol defines them."""
    data = {}
    if not isinstance(obj, type):
        method = getattr(obj, "_repr_mimebundle_", None)
        if callable(method):
            try:
                result = method()
                data.update(result[0] if isinstance(result, tuple) else result or {})
            except Exception:
                pass
        for mime, name in _MIME_METHODS:
            if mime in data:
                continue
            method = getattr(obj, name, None)
            if not callable(method):
                continue
            try:
                value = method()
            except Exception:
                continue
            if isinstance(value, tuple):
                value = value[0]
            if value is None:
                continue
            if isinstance(value, bytes):
                value = base64.b64encode(value).decode()
            elif mime == "application/json":
                value = json.dumps(value)
            data[mime] = value
    if "text/html" not in data:
        math = _sympy_mathml(obj)
        if math:
            data["text/html"] = math
    if "text/plain" not in data:
        try:
            data["text/plain"] = pprint.pformat(obj) if isinstance(obj, (dict, list, tuple, set)) else repr(obj)
        except Exception as err:
            data["text/plain"] = f"<unrepresentable {type(obj).__name__}: {err}>"
    return data


class DisplayHandle:
    """What display(..., display_id=True) returns, as in IPython: update() replaces that output in place."""

    def __init__(self, runner, display_id):
        self.runner, self.display_id = runner, display_id

    def update(self, obj, **kwargs):
        self.runner.update_display(obj, display_id=self.display_id)

    def display(self, obj, **kwargs):
        self.runner.display(obj, display_id=self.display_id)


_NO_INPUT, _INTERRUPTED = 0, 1  # what the worker's read_input returns instead of an answer


def _truthful_can_run_sync():
    """pyodide picks run_sync's implementation when Python starts, and the start-up snapshot (made under node,
    which has no stack switching) keeps the stub that only raises, while can_run_sync() still says True in a
    browser that has it. urllib3 (so requests) and pyodide's event loop trust can_run_sync(): made to say
    False, they take their other way (a synchronous request in this worker) instead of failing."""
    import pyodide.ffi

    try:
        pyodide.ffi.run_sync(None)
    except RuntimeError as err:
        if "stack switching not supported" not in str(err):
            return
    except BaseException:  # the real run_sync: None is not awaitable
        return
    never = lambda: False  # noqa: E731
    pyodide.ffi.can_run_sync = never
    for name in ("pyodide.webloop", "_pyodide_core"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "can_run_sync"):
            module.can_run_sync = never


# IPython's line magics that notebooks carry: `%pip install` runs (micropip installs what the site bundles),
# `%matplotlib inline` and its kind change nothing here; Python would call them syntax errors
PIP_MAGIC = re.compile(r"^(?P<indent>[ \t]*)[%!][ \t]*pip3?[ \t]+install[ \t]+(?P<args>.*)$", re.MULTILINE)
NO_OP_MAGIC = re.compile(r"^(?P<indent>[ \t]*)%(?:matplotlib|config|load_ext|autoreload|reload_ext)\b.*$",
                         re.MULTILINE)


SHELL_LINE = re.compile(r"^(?P<indent>[ \t]*)!(?P<command>.*)$", re.MULTILINE)
HELP_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z_][\w.]*)\?{1,2}[ \t]*$", re.MULTILINE)
TIME_LINE = re.compile(r"^(?P<indent>[ \t]*)%time[ \t]+(?P<expr>.+)$", re.MULTILINE)


def ipython_lines(code):
    """The cell's code with IPython's common notations made Python, each on its own line (tracebacks keep
    their lines): `%pip install`, `%time`, `name?` (help), `!mkdir` (other shell commands say they
    cannot run here), and the magics that change nothing in a browser."""
    if "%" not in code and "!" not in code and "?" not in code:
        return code
    code = PIP_MAGIC.sub(lambda m: f"{m['indent']}await __pip_install__({m['args'].strip()!r})", code)
    code = NO_OP_MAGIC.sub(lambda m: f"{m['indent']}pass", code)
    code = SHELL_LINE.sub(lambda m: f"{m['indent']}__shell__({m['command'].strip()!r})", code)
    code = HELP_LINE.sub(lambda m: f"{m['indent']}help({m['name']})", code)
    return TIME_LINE.sub(lambda m: f"{m['indent']}__timed__(lambda: ({m['expr']}))", code)


def shell(command):
    """`!command` in a cell: there is no shell in the browser; `!mkdir` is done, anything else is said."""
    import shlex

    words = shlex.split(command)
    if words[:1] == ["mkdir"]:
        for path in (w for w in words[1:] if not w.startswith("-")):
            os.makedirs(path, exist_ok=True)
        return
    print(f"!{command}: shell commands do not run in the browser (there is no shell here)", file=sys.stderr)


def timed(thunk):
    """`%time expression`: its value, after the wall time it took."""
    import time

    start = time.perf_counter()
    value = thunk()
    print_wall_time(start)
    return value


def print_wall_time(start):
    """What `%time` and `%%time` print: the time since `start` (time.perf_counter)."""
    import time

    print(f"Wall time: {time.perf_counter() - start:.3f} s")


async def pip_install(args):
    """`%pip install ...`: what the site bundles installs from its own files, offline; the rest from PyPI."""
    import pyodide_js

    await pyodide_js.loadPackage("micropip")
    import micropip

    wanted = [arg for arg in shlex.split(args) if not arg.startswith("-")]
    if wanted:
        await micropip.install(wanted)


class Runner:
    def __init__(self, send, read_input):
        self.send = send
        self.read_input = read_input
        self.count = 0
        import builtins
        import getpass

        builtins.input = self.input
        getpass.getpass = lambda prompt="Password: ", stream=None: self.input(prompt, password=True)
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__, "display": self.display,
                          "update_display": self.update_display, "clear_output": self.clear_output,
                          "__pip_install__": pip_install, "__shell__": shell, "__timed__": timed}
        self.widgets = None  # PageWidgets, once a cell uses ipywidgets or anywidget
        self.not_downloaded = ""  # packages the worker could not download for this cell, which it said
        self.unavailable = "{}"  # JSON: module -> why the site has no build of it (from the build)
        self.solution_names = set()  # names a solution's cell bound last: a check must not judge them
        _truthful_can_run_sync()

    def input(self, prompt="", password=False):
        """input() and getpass(): a box in the cell; Python waits for the reader's answer."""
        sys.stdout.flush()
        sys.stderr.flush()
        answer = self.read_input(str(prompt), bool(password))
        if answer == _NO_INPUT:
            raise OSError("input() needs a cross-origin isolated page, and the browser refused the site's service "
                          "worker that provides it (a private window?); run the page under `mystlite serve`, "
                          "or set the value in the code instead")
        if answer == _INTERRUPTED:
            raise KeyboardInterrupt
        return answer

    def complete(self, code, line, column):
        """Completions at (line, column) from jedi, which sees this page's live variables too."""
        import jedi

        found = jedi.Interpreter(code, [self.namespace]).complete(line, column)
        return json.dumps({"prefix": len(found[0].name) - len(found[0].complete) if found else 0,
                           "matches": [{"name": c.name, "type": c.type} for c in found[:200]]})

    def help(self, code, line, column):
        """What Shift+Tab shows in Jupyter: inside a call, the callee's signature and docstring; else the
        docstring of the name at (line, column)."""
        import jedi

        script = jedi.Interpreter(code, [self.namespace])
        signatures = script.get_signatures(line, column)
        if signatures:
            doc = signatures[0].docstring(raw=True)
            text = signatures[0].to_string() + (f"\n\n{doc}" if doc else "")
        else:
            names = script.infer(line, column) or script.help(line, column)
            text = names[0].docstring() if names else ""
        return json.dumps({"text": text})

    def display(self, *objs, display_id=None, **_ignored):
        """Jupyter's display(); with display_id=True (or a string) the output can be updated later. Inside
        `with output_widget:` it goes into that widget instead."""
        if self.widgets is not None and self.widgets.capturing():
            for obj in objs:
                self.widgets.capture({"output_type": "display_data", "data": mime_bundle(obj), "metadata": {}})
            return None
        if display_id is True:
            display_id = f"display-{self.count}-{id(objs)}"
        for obj in objs:
            message = {"data": mime_bundle(obj)}
            if display_id:
                message["display_id"] = str(display_id)
            self.send("display", json.dumps(message))
        return DisplayHandle(self, display_id) if display_id else None

    def update_display(self, obj, *, display_id, **_ignored):
        self.send("update", json.dumps({"data": mime_bundle(obj), "display_id": str(display_id)}))

    def clear_output(self, wait=False):
        """With wait=True the old output goes only when new output arrives (no flicker in animations)."""
        if self.widgets is not None and self.widgets.capturing():
            self.widgets.clear(wait)
            return
        sys.stdout.flush()
        sys.stderr.flush()
        self.send("clear", json.dumps({"wait": bool(wait)}))

    def _flush_figures(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        import io

        for number in pyplot.get_fignums():
            buffer = io.BytesIO()
            pyplot.figure(number).savefig(buffer, format="png", bbox_inches="tight")
            self.send("display", json.dumps({"data": {
                "image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"}}))
        pyplot.close("all")

    def _install_ipython(self):
        """IPython's display() shows rich output here too. IPython is imported only when a cell uses it:
        it costs nothing at start-up."""
        try:
            import IPython.core.display_functions as functions
            import IPython.display as public
        except Exception:
            return
        if getattr(functions.display, "_mystlite", False):
            return

        def display(*objs, include=None, exclude=None, metadata=None, raw=False, display_id=None, **kwargs):
            if raw:
                for obj in objs:
                    self.send("display", json.dumps({"data": obj}))
                return None
            return self.display(*objs, display_id=display_id)

        def update_display(obj, *, display_id, **kwargs):
            self.update_display(obj, display_id=display_id)

        display._mystlite = True
        for module in (functions, public):
            module.display = display
            module.update_display = update_display
            module.clear_output = self.clear_output

    def _install_show(self):
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None and not getattr(pyplot.show, "_mystlite", False):
            def show(*args, **kwargs):
                self._flush_figures()

            show._mystlite = True
            pyplot.show = show

    async def run(self, code, solution=False):
        """Run one cell; the value of its last expression is displayed. Returns the execution count.
        `solution`: the cell is an exercise's solution, whose names an exercise's check does not see."""
        self.count += 1
        before = {name: id(value) for name, value in self.namespace.items()}
        try:
            return await self._run(code)
        finally:
            bound = {name for name, value in self.namespace.items() if before.get(name) != id(value)}
            self.solution_names = (self.solution_names | bound) if solution else (self.solution_names - bound)
            self.solution_names &= self.namespace.keys()

    async def _run(self, code):
        source = code
        cell_timer = None
        if code.startswith("%%time\n") or code.strip() == "%%time":  # the whole cell, timed as IPython does
            import time

            cell_timer = time.perf_counter()
            code = "\n" + code.partition("\n")[2]
        code = ipython_lines(code)
        if "IPython" in code or "widget" in code:
            self._install_ipython()
        if self.widgets is None and ("ipywidgets" in code or "anywidget" in code):
            self.widgets = PageWidgets(self)
        filename = f"<cell {self.count}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # as the reader wrote it
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        try:
            tree = ast.parse(code, filename)
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            body = compile(tree, filename, "exec", flags=flags)
            result = eval(body, self.namespace)
            if isinstance(result, types.CoroutineType):
                await result
            if last is not None:
                value = eval(compile(last, filename, "eval", flags=flags), self.namespace)
                if isinstance(value, types.CoroutineType):
                    value = await value
                if value is not None:
                    self.namespace["_"] = value
                    self.send("result", json.dumps({"data": mime_bundle(value), "count": self.count}))
            self._install_show()
            self._flush_figures()
        except BaseException as err:  # the reader's code: report anything, keep the interpreter alive
            self._report(err, filename)
        finally:
            if cell_timer is not None:
                print_wall_time(cell_timer)
            sys.stdout.flush()
            sys.stderr.flush()
        return self.count

    def comm_msg(self, text):
        """A widget's message from the page (a slider moved): to its comm, in the reader's Python."""
        if self.widgets is not None:
            self.widgets.receive(json.loads(text))
        sys.stdout.flush()
        sys.stderr.flush()

    async def check(self, encoded):
        """An exercise's hidden check, run after the reader's cells in a copy of their namespace (what it
        defines does not leak), its output discarded. Passes when it raises nothing; an AssertionError's
        message is the feedback."""
        import base64
        import io
        import zlib

        code = zlib.decompress(base64.b64decode(encoded)).decode("utf-8")
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = io.StringIO()
        try:
            body = compile(code, "<check>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            # what a solution cell defined is not the reader's answer (the reader's own cells rebind it)
            result = eval(body, {k: v for k, v in self.namespace.items() if k not in self.solution_names})
            if isinstance(result, types.CoroutineType):
                await result
        except BaseException as err:  # whatever the reader's code makes the check raise is feedback
            return json.dumps({"passed": False, "ename": type(err).__name__, "message": str(err)})
        finally:
            sys.stdout, sys.stderr = saved
        return json.dumps({"passed": True})

    def _report(self, err, filename):
        tb = err.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != filename:
            tb = tb.tb_next  # hide the runner's own frames
        lines = traceback.format_exception(type(err), err, tb if tb is not None else err.__traceback__)
        not_downloaded = {name.lower().replace("-", "_") for name in self.not_downloaded.split()}
        missing = err.name.split(".")[0] if isinstance(err, ModuleNotFoundError) and err.name else None
        why = json.loads(self.unavailable).get(missing) if missing else None
        if why:
            lines.append(f"\n{why}; the site was built without {missing}.\n")
        elif missing and missing not in not_downloaded:
            page = globals().get("PAGE") or "this page"
            lines.append(f"\n{err.name.split('.')[0]} is not available on this site ({page}): no package of "
                         "pyodide provides it and the site does not bundle it (mystlite.packages or mystlite.wheels), "
                         "or it could not be fetched when the site was built and the network is not there now.\n")
        self.send("error", json.dumps({"ename": type(err).__name__, "evalue": str(err),
                                       "traceback": "".join(lines)}))


class PageWidgets:
    """Jupyter widgets on the page: ipywidgets' comms speak to the page's widget manager through the worker
    (comm messages as JSON, binary buffers as base64), and `with output_widget:` captures what the code prints
    and displays into that widget's outputs, as a Jupyter kernel does."""

    def __init__(self, runner):
        import comm
        from comm.base_comm import BaseComm, CommManager

        self.runner = runner
        self.manager = CommManager()
        self.stack = []  # the Output widgets whose `with` block is running
        send = runner.send

        class PageComm(BaseComm):
            def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
                content = {"comm_id": self.comm_id, "data": data or {}}
                if msg_type == "comm_open":
                    content.update(target_name=keys.get("target_name"), target_module=keys.get("target_module"))
                sys.stdout.flush()
                sys.stderr.flush()
                send("comm", json.dumps({"msg_type": msg_type, "content": content, "metadata": metadata or {},
                                         "buffers": [base64.b64encode(bytes(b)).decode() for b in buffers or []]}))

        comm.create_comm = PageComm
        comm.get_comm_manager = lambda: self.manager
        self._patch_ipywidgets()
        sys.stdout = _Routed("stdout", sys.stdout, self)
        sys.stderr = _Routed("stderr", sys.stderr, self)

    def _patch_ipywidgets(self):
        try:
            import ipywidgets.widgets.interaction as interaction
            import ipywidgets.widgets.widget_output as widget_output
        except Exception:
            return
        runner, widgets = self.runner, self

        def enter(output):
            widgets.stack.append(output)

        def leave(output, kind, error, tb):
            widgets.stack.remove(output)
            if kind is None:
                return None
            lines = traceback.format_exception(kind, error, tb)
            widgets.append(output, {"output_type": "error", "ename": kind.__name__, "evalue": str(error),
                                    "traceback": ["".join(lines)]})
            return True  # shown in the widget, as Jupyter does

        widget_output.Output.__enter__ = enter
        widget_output.Output.__exit__ = leave
        widget_output.clear_output = runner.clear_output
        interaction.clear_output = runner.clear_output
        interaction.display = runner.display

    def capturing(self):
        return bool(self.stack)

    def capture(self, output):
        self.append(self.stack[-1], output)

    def append(self, widget, output):
        outputs = list(widget.outputs)
        last = outputs[-1] if outputs else None
        if (output["output_type"] == "stream" and last and last.get("output_type") == "stream"
                and last.get("name") == output["name"]):
            outputs[-1] = {**last, "text": last["text"] + output["text"]}
        else:
            outputs.append(output)
        widget.outputs = tuple(outputs)

    def clear(self, wait=False):
        self.stack[-1].outputs = ()

    def receive(self, message):
        buffers = [memoryview(base64.b64decode(b)) for b in message.get("buffers") or []]
        msg = {"content": {"comm_id": message["comm_id"], "data": message.get("data") or {}},
               "metadata": {}, "buffers": buffers, "header": {"msg_type": message.get("msg_type", "comm_msg")}}
        found = self.manager.get_comm(message["comm_id"])
        if found is None:
            return
        if message.get("msg_type") == "comm_close":
            found.handle_close(msg)
        else:
            found.handle_msg(msg)


class _Routed:
    """sys.stdout/sys.stderr: into the Output widget whose `with` block is running, else to the cell."""

    def __init__(self, name, real, widgets):
        self.name, self.real, self.widgets = name, real, widgets

    def write(self, text):
        if self.widgets.capturing():
            self.widgets.capture({"output_type": "stream", "name": self.name, "text": str(text)})
            return len(text)
        return self.real.write(text)

    def flush(self):
        return self.real.flush()

    def __getattr__(self, name):
        return getattr(self.real, name)


_WARM_MODULES = ("json", "re", "statistics", "dataclasses", "typing", "textwrap", "fractions", "decimal",
                 "inspect", "difflib", "calendar", "string", "argparse", "logging", "html.parser")


warm_steps = 0  # steps of warm_up() done: what a test can see of it


def _fetched_later(name):
    """A stdlib module that python_stdlib.zip leaves out: importing it would download its archive (see
    stdlib_sources.py, whose finder is the one that knows)."""
    return any(name in getattr(finder, "where", ()) for finder in sys.meta_path
               if type(finder).__name__ == "_LaterStdlib")


def warm_up():
    """Work for the browser, not the reader. V8 keeps compiled wasm for a returning reader only once enough of
    it has run hot, and a start from the snapshot runs too little Python for that (the next visit would
    compile the wasm again, 0.2–0.3 s). The worker runs this when idle, a step of a few tens of milliseconds
    at a time, so a reader's cell never waits long. It leaves no names behind; the modules it imports are
    common imports of readers' code anyway, and only those the page already has (it downloads nothing)."""
    global warm_steps
    for _ in _warm_up_steps():
        warm_steps += 1
        yield


def _warm_up_steps():
    import importlib

    for name in _WARM_MODULES:
        if not _fetched_later(name):
            importlib.import_module(name)
            yield
    # made here, not read from a module: a stdlib source would fetch the sources zip (see stdlib_sources.py)
    source = "\n".join(f"def f{i}(a, b=2, *c, **d):\n    x = [a * k for k in range({i}) if k % 3]\n"
                       f"    return {{'x': x, 'y': (a, b, c), 's': f'{{a}}-{i}', **d}}\n" for i in range(400))
    for _ in range(2):
        compile(source, "<warm-up>", "exec")
        yield
        ast.parse(source)
        yield
    words = {}
    for start in range(0, 100_000, 20_000):
        for i in range(start, start + 20_000):
            words[f"w{i}"] = i * 2
        yield
    text = json.dumps(words)
    yield
    json.loads(text)
    yield
    importlib.import_module("re").findall(r"\w+\d", text[:200_000])
    yield
