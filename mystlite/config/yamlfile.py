"""Line-aware YAML: plain Python values plus the file and line each key path came from.

MyST's `extends:` is applied here, so later stages see one merged document and still get
the right file:line for every key, whichever file it was written in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import MystliteError, Where

KeyPath = tuple  # of str (mapping keys) and int (sequence indexes)
MAX_VALUES = 200_000


@dataclass
class YamlDoc:
    """A loaded YAML document: its data and where each key path was written."""

    file: Path
    data: Any
    places: dict[KeyPath, Where] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)  # every file merged into it (extends included)
    warnings: list[tuple[str, Where, str]] = field(default_factory=list)  # (message, where, key) while loading

    def where(self, path: KeyPath) -> Where:
        """The closest known place for a key path (walks up to a parent when the key is absent)."""
        path = tuple(path)
        while path:
            if path in self.places:
                return self.places[path]
            path = path[:-1]
        return self.places.get((), Where(self.file, 1))


def key_name(path: KeyPath) -> str:
    """`project.toc[2].file` from ('project', 'toc', 2, 'file')."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _to_value(node: yaml.Node, path: KeyPath, file: Path, places: dict, loader: yaml.SafeLoader,
              first_line: int = 1, active: frozenset = frozenset()) -> Any:
    line = node.start_mark.line + first_line
    places[path] = Where(file, line)
    loader.values_made = getattr(loader, "values_made", 0) + 1
    if loader.values_made > MAX_VALUES:  # aliases of aliases can expand a small file exponentially
        raise MystliteError(f"the YAML expands to more than {MAX_VALUES} values (aliases?)", Where(file, line))
    if id(node) in active:  # an alias to one of its own ancestors (`toc: &t [{children: *t}]`)
        raise MystliteError("a YAML alias refers to a mapping or list that contains it (a cycle)", Where(file, line),
                            key_name(path) or None)
    active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        merge_keys = any(key_node.tag == "tag:yaml.org,2002:merge" for key_node, _ in node.value)
        if not merge_keys:  # with `<<:` later keys override merged ones, as YAML means them to
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
                key_line = key_node.start_mark.line + first_line
                if key is not None and key in seen:
                    raise MystliteError(f"duplicate key {key!r} (first at line {seen[key]})", Where(file, key_line),
                                        key_name((*path, str(key))))
                seen.setdefault(key, key_line)
        loader.flatten_mapping(node)  # resolves `<<:` merge keys
        result = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise MystliteError("mapping keys must be plain scalars", Where(file, key_node.start_mark.line + first_line))
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            result[key] = _to_value(value_node, child, file, places, loader, first_line, active)
            places[child] = Where(file, key_node.start_mark.line + first_line)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_value(item, (*path, i), file, places, loader, first_line, active) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(file: Path) -> YamlDoc:
    """Parse one YAML file; syntax errors become a MystliteError with line and column."""
    try:
        text = file.read_bytes().decode("utf-8-sig")  # a BOM is not content
    except FileNotFoundError:
        raise MystliteError("file not found", Where(file)) from None
    except UnicodeDecodeError as err:
        raise MystliteError(f"not UTF-8 text: {not_utf8(err)}", Where(file)) from None
    except OSError as err:
        raise MystliteError(f"cannot read: {err.strerror}", Where(file)) from None
    return parse_yaml(text, file)


def not_utf8(err: UnicodeDecodeError) -> str:
    line = err.object[:err.start].count(b"\n") + 1
    return f"byte 0x{err.object[err.start]:02x} on line {line} (save the file as UTF-8)"


def parse_yaml(text: str, file: Path, first_line: int = 1) -> YamlDoc:
    """Parse YAML text that starts on `first_line` of `file` (frontmatter starts on line 2)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        places: dict = {}
        data = {} if node is None else _to_value(node, (), file, places, loader, first_line)
    except RecursionError:
        raise MystliteError("YAML nested too deeply", Where(file)) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + first_line if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        problem = err.problem or err.context or "invalid YAML"
        raise MystliteError(f"YAML syntax error{column}: {problem}", Where(file, line)) from None
    except yaml.YAMLError as err:
        raise MystliteError(f"YAML error: {err}", Where(file)) from None
    finally:
        loader.dispose()
    return YamlDoc(file, data, places, [file.resolve()])


def merge_under(base: YamlDoc, top: YamlDoc) -> YamlDoc:
    """`top` wins key by key; nested mappings merge, other values (lists included) replace."""
    places = dict(base.places)

    def merge(a: Any, b: Any, path: KeyPath) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                out[key] = merge(a[key], value, (*path, key)) if key in a else _take(value, (*path, key))
            places[path] = top.places.get(path, places.get(path))
            return out
        return _take(b, path)

    def _take(value: Any, path: KeyPath) -> Any:
        for key in [k for k in places if k[: len(path)] == path]:
            del places[key]
        places.update({k: w for k, w in top.places.items() if k[: len(path)] == path})
        return value

    return YamlDoc(top.file, merge(base.data, top.data, ()), places, [*base.sources, *top.sources],
                   [*base.warnings, *top.warnings])


def fetch_extends(url: str, where: Where, key: str, warnings: list) -> Path | None:
    """A remote `extends:` file, from the network or, offline, from the download cache; None, with a warning,
    when it was never fetched: the project builds without the settings it would add (a Pythia cookbook's
    shared site options), as it would still have its pages."""
    from ..cache import RemoteUnavailable, fetch_remote

    try:
        return fetch_remote(url, "extends", ".yml")
    except RemoteUnavailable as err:
        warnings.append((f"could not fetch {url} ({err}), and it was never fetched before: the site is built "
                         f"without its settings (build once with network access, or copy it next to myst.yml)",
                         where, key))
        return None


def load_with_extends(file: Path, _seen: tuple[Path, ...] = ()) -> YamlDoc:
    """Load a myst.yml and the local files its `extends:` names, merged under it in order."""
    doc = load_yaml(file)
    if not isinstance(doc.data, dict):
        raise MystliteError("the file must be a YAML mapping", doc.where(()))
    extends = doc.data.pop("extends", None)
    if extends is None:
        return doc
    if isinstance(extends, str):
        extends = [extends]
    if not isinstance(extends, list):
        raise MystliteError("must be a file path or a list of file paths", doc.where(("extends",)), "extends")
    merged: YamlDoc | None = None
    for index, entry in enumerate(extends):
        where = doc.where(("extends", index))
        key = key_name(("extends", index))
        if isinstance(entry, dict) and isinstance(entry.get("url"), str):
            entry = entry["url"]
        if not isinstance(entry, str):
            raise MystliteError("must be a file path or a URL", where, key)
        if "://" in entry:
            target = fetch_extends(entry, where, key, doc.warnings)
            if target is None:
                continue
            merged_part = load_yaml(target)
            if isinstance(merged_part.data, dict) and merged_part.data.pop("extends", None) is not None:
                raise MystliteError(f"{entry} extends further files; only one level of remote extends is supported",
                                    where, key)
            merged = merged_part if merged is None else merge_under(merged, merged_part)
            continue
        target = (file.parent / entry).resolve()
        if target in _seen or target == file.resolve():
            raise MystliteError(f"extends itself through {entry}", where, key)
        if not target.is_file():
            raise MystliteError(f"extended file not found: {entry}", where, key)
        part = load_with_extends(target, (*_seen, file.resolve()))
        merged = part if merged is None else merge_under(merged, part)
    return merge_under(merged, doc) if merged is not None else doc
