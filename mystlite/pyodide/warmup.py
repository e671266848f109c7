# Imports whose stdlib modules get bytecode at build time (see bytecode.mjs): the in-page runtime's own
# module, and what course and documentation code commonly uses. Anything else still works, from source.
import ast, base64, json, linecache, os, pprint, sys, traceback, types  # noqa: E401, F401  the runtime
import argparse, asyncio, bisect, calendar, collections, contextlib, copy, csv, dataclasses, datetime  # noqa
import decimal, difflib, enum, fractions, functools, glob, hashlib, heapq, html, inspect, io, itertools  # noqa
import logging, operator, pathlib, pickle, platform, random, re, shutil, statistics, string, struct  # noqa
import tempfile, textwrap, time, typing, unicodedata, urllib.parse, uuid, warnings, zipfile, zoneinfo  # noqa
import email.parser, html.parser, importlib.metadata, xml.etree.ElementTree, tomllib, sqlite3  # noqa
import tarfile  # noqa: E401, F401  pyodide's package loader imports it when the first package loads
