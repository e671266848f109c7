"""The pyodide distribution the site ships: the core, a lock, and the wheels the lock names."""

from .distribution import KERNEL_EXTENSION, Distribution, PYODIDE_VERSION, kernel_extension_dir, prepare_distribution

__all__ = ["Distribution", "KERNEL_EXTENSION", "PYODIDE_VERSION", "kernel_extension_dir", "prepare_distribution"]
