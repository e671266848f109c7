"""`project.jupyter` (alias `thebe`) normalised exactly as MyST's frontmatter validator does.

The result has MyST's shape: {lite?, binder?: {url, provider, repo, ref}, server?: {url, token},
kernelName?, sessionName?, disableSessionSaving?, mathjaxUrl?, mathjaxConfig?}, or None when
compute is off.
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import urlparse

from ..errors import Diagnostics, MystliteError, Where
from .yamlfile import KeyPath, key_name

JUPYTER_KEYS = (
    "lite", "binder", "server", "kernelName", "sessionName",
    "disableSessionSaving", "mathjaxUrl", "mathjaxConfig", "local",
)
BINDER_KEYS = ("url", "ref", "repo", "provider")
SERVER_KEYS = ("url", "token")
DEFAULT_BINDER_URL = "https://mybinder.org/"
DEFAULT_BINDER_REPO = "executablebooks/thebe-binder-base"
GIT_PROVIDERS = re.compile(r"^(git|github|gitlab|gist)$", re.IGNORECASE)
OWNER_REPO = re.compile(r"^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")


class _Checker:
    """Small typed validators that report with file:line:key and return None on failure."""

    def __init__(self, diag: Diagnostics, where: Callable[[KeyPath], Where], base: KeyPath):
        self.diag, self._where, self.base = diag, where, base

    def error(self, path: KeyPath, message: str) -> None:
        full = (*self.base, *path)
        self.diag.error(message, self._where(full), key_name(full))

    def warn(self, path: KeyPath, message: str) -> None:
        full = (*self.base, *path)
        self.diag.warn(message, self._where(full), key_name(full))

    def boolean(self, value: Any, path: KeyPath) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.error(path, f"must be a boolean, not {describe(value)}")
        return None

    def string(self, value: Any, path: KeyPath, pattern: re.Pattern | None = None, quiet: bool = False) -> str | None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # MyST coerces numbers to strings
        if not isinstance(value, str):
            if not quiet:
                self.error(path, f"must be a string, not {describe(value)}")
            return None
        if pattern is not None and not pattern.search(value):
            if not quiet:
                self.error(path, f"must match {pattern.pattern!r}: {value!r}")
            return None
        return value

    def url(self, value: Any, path: KeyPath) -> str | None:
        text = self.string(value, path)
        if text is None:
            return None
        parsed = urlparse(text)
        if not (parsed.scheme and parsed.netloc):
            self.error(path, f"must be a URL: {text!r}")
            return None
        return text

    def mapping(self, value: Any, path: KeyPath, allowed: tuple[str, ...], what: str = "an object") -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"must be {what}, not {describe(value)}")
            return None
        kept = {}
        for key, item in value.items():
            if key in allowed:
                kept[key] = item
            else:
                self.warn((*path, key), f"extra key ignored (allowed: {', '.join(allowed)})")
        return kept


def describe(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__) + (
        f" ({value!r})" if isinstance(value, (bool, int, float, str)) else "")


def github_repo_url(github: Any) -> str | None:
    """`project.github` as a full URL, the way MyST normalises it (owner/name or a github URL)."""
    if not isinstance(github, str) or not github.strip():
        return None
    github = github.strip().rstrip("/")
    if OWNER_REPO.match(github):
        return f"https://github.com/{github}"
    parsed = urlparse(github if "://" in github else f"https://{github}")
    if parsed.netloc.lower() in ("github.com", "www.github.com"):
        parts = [p for p in parsed.path.split("/") if p]
        if len(parts) >= 2:
            return f"https://github.com/{parts[0]}/{parts[1]}"
    return None


def normalize_jupyter(value: Any, check: _Checker, github: Any = None) -> dict | None:
    """The one place MyST's thebe/jupyter rules live. Errors go to check's diagnostics."""
    if value is None or value is False:
        return None
    if value == "lite":
        return {"lite": True}
    if isinstance(value, str) and value != "binder":
        check.error((), f'must be a boolean, an object, "lite" or "binder", not a string: {value}')
        return None
    if value is True or value == "binder":
        value = {"binder": True}
    obj = check.mapping(value, (), JUPYTER_KEYS, "a boolean, an object, \"lite\" or \"binder\"")
    if obj is None:
        return None
    out: dict = {}
    if obj.get("lite") is not None:
        lite = check.boolean(obj["lite"], ("lite",))
        if lite is not None:
            out["lite"] = lite
    binder = obj.get("binder")
    if binder is not None and binder is not False and binder != "false":
        if binder is True or binder == "true":
            binder = {}
        binder_out = normalize_binder(binder, check, github)
        if binder_out is not None:
            out["binder"] = binder_out
    if obj.get("server") is not None:
        server = check.mapping(obj["server"], ("server",), SERVER_KEYS)
        if server is None:
            return None  # MyST drops the whole config when server is not an object
        server_out = normalize_server(server, check)
        if server_out is not None:
            out["server"] = server_out
    for key in ("kernelName", "sessionName", "mathjaxConfig"):
        if obj.get(key) is not None:
            text = check.string(obj[key], (key,))
            if text is not None:
                out[key] = text
    if obj.get("disableSessionSaving") is not None:
        flag = check.boolean(obj["disableSessionSaving"], ("disableSessionSaving",))
        if flag is not None:
            out["disableSessionSaving"] = flag
    if obj.get("mathjaxUrl") is not None:
        url = check.url(obj["mathjaxUrl"], ("mathjaxUrl",))
        if url is not None:
            out["mathjaxUrl"] = url
    # `local` is accepted by MyST and dropped.
    if not out or set(out) == {"lite"} and out["lite"] is False:
        return None
    return out


def normalize_binder(binder: Any, check: _Checker, github: Any) -> dict | None:
    obj = check.mapping(binder, ("binder",), BINDER_KEYS, "an object or boolean")
    if obj is None:
        return None
    out: dict = {}
    url = check.url(obj.get("url", DEFAULT_BINDER_URL), ("binder", "url"))
    if url is not None:
        out["url"] = url
    provider = obj.get("provider")
    out["provider"] = check.string(provider, ("binder", "provider"), re.compile(".+")) if provider else "github"
    if out["provider"] is None:
        del out["provider"]
    repo = obj.get("repo")
    if out.get("provider") is None or GIT_PROVIDERS.match(out["provider"]):
        if repo:
            text = check.string(repo, ("binder", "repo"), OWNER_REPO, quiet=True)
            out["repo"] = text if text is not None else check.url(repo, ("binder", "repo"))
        else:
            out["repo"] = github_repo_url(github) or DEFAULT_BINDER_REPO
        out["ref"] = check.string(obj["ref"], ("binder", "ref")) if obj.get("ref") else "HEAD"
    else:
        out["repo"] = check.string(repo, ("binder", "repo"), re.compile(".+")) if repo is not None else None
        if repo is None:
            check.error(("binder", "repo"), "is required for a custom provider")
        out["ref"] = check.string(obj["ref"], ("binder", "ref")) if obj.get("ref") else ""
    return {k: v for k, v in out.items() if v is not None}


def normalize_server(server: dict, check: _Checker) -> dict | None:
    missing = [key for key in SERVER_KEYS if server.get(key) is None]
    if missing:
        check.error(("server",), f"needs both url and token; missing {', '.join(missing)}")
        return None
    url = check.url(server["url"], ("server", "url"))
    token = check.string(server["token"], ("server", "token"))
    return {"url": url, "token": token} if url and token else None


def project_jupyter(project: dict, diag: Diagnostics, where: Callable[[KeyPath], Where]) -> dict | None:
    """Read `project.jupyter` / `project.thebe` with MyST's alias rule."""
    has_jupyter, has_thebe = "jupyter" in project, "thebe" in project
    if has_jupyter and has_thebe:
        diag.warn("both jupyter and its alias thebe are set; jupyter is ignored",
                  where(("project", "jupyter")), "project.jupyter")
    key = "thebe" if has_thebe else "jupyter"
    if not (has_jupyter or has_thebe):
        return None
    return normalize_jupyter(project[key], _Checker(diag, where, ("project", key)), project.get("github"))


# Quarto's page form names a kernel (`jupyter: python3`); real projects carry it into MyST unchanged.
QUARTO_KERNEL = re.compile(r"^(python|xpython|pyodide)[\w.-]*$")


def page_compute_choice(frontmatter: dict, where: Callable[[tuple], Where],
                        diag: Diagnostics | None = None) -> str:
    """What a page's `jupyter:` (or `thebe:`) asks for: "off" (`false`, or the string "false"), "lite" or
    "binder" (the backend it must run on), or "default" (true, an object, or no key). Quarto's kernel name
    is a warning and the default; anything else is an error."""
    for key in ("thebe", "jupyter"):
        if key in frontmatter:
            value = frontmatter[key]
            if isinstance(value, str) and value.lower() in ("true", "false"):
                value = value.lower() == "true"
            if value is False:
                return "off"
            if value in ("lite", "binder"):
                return value
            if value is True or value is None or isinstance(value, dict):
                return "default"
            if isinstance(value, str) and QUARTO_KERNEL.match(value):
                if diag is not None:
                    diag.warn(f"{value!r} is Quarto's kernel form; mystlite reads a page's `{key}:` as compute "
                              f"on or off, and leaves compute on", where((key,)), key)
                return "default"
            raise MystliteError(f"must be true, false, 'lite', 'binder' or an object, not {describe(value)}",
                                where((key,)), key)
    return "default"

