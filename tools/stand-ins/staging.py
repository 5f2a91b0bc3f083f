"""Writing model directories so that an interrupted run never leaves a half-written model in place."""
import contextlib
import os
import shutil


def staging_directory(target):
	"""An empty directory beside target (same file system, so the final rename is atomic)."""
	staged = f'{target}.partial-{os.getpid()}'
	shutil.rmtree(staged, ignore_errors=True)
	os.makedirs(staged)
	return staged


def replace_directory(staged, target):
	"""Renames staged to target. A directory cannot be renamed over a non-empty one, so an older
	target is moved aside first and removed afterwards: an interruption in between leaves target
	missing, never mixed or incomplete."""
	if not os.path.lexists(target):
		os.rename(staged, target)
		return
	previous = f'{staged}.previous'
	os.rename(target, previous)
	os.rename(staged, target)
	shutil.rmtree(previous)


@contextlib.contextmanager
def staged_directories(targets):
	"""Yields {target: staging directory}. When the block completes, every staging directory
	replaces its target; when it fails or is interrupted, they are all removed and no target changes."""
	staged = {}
	try:
		for target in targets:
			os.makedirs(os.path.dirname(target), exist_ok=True)
			staged[target] = staging_directory(target)
		yield dict(staged)
	except BaseException:
		for directory in staged.values():
			shutil.rmtree(directory, ignore_errors=True)
		raise
	for target, directory in staged.items():
		replace_directory(directory, target)
