"""The parts of Whoosh's non-public surface kb.search.store builds on, stated as a contract.

kb's segment writer (``TermRecordingWriter``) overrides ``_flush_segment`` and ``_finalize_segment`` and
a rebuild calls ``_finalize_segment``, ``_commit_toc``, ``_close_segment`` and ``_finish`` itself, so the
dependency is pinned to one release (setup.cfg) and these tests fail first, with a clear message, if a
new release moved any of it."""
from __future__ import annotations

import inspect
from importlib.metadata import version

from whoosh.writing import SegmentWriter

from kb.search import store

PINNED = "2.7.5"
HOOKS = {"_flush_segment": ["self"], "_finalize_segment": ["self"], "_commit_toc": ["self", "segments"],
         "_close_segment": ["self"], "_finish": ["self"], "add_reader": ["self", "reader"]}


def test_the_whoosh_release_is_the_pinned_one():
    assert version("whoosh-reloaded") == PINNED, "check the private hooks below before moving the pin"


def test_the_private_writer_hooks_kb_overrides_or_calls_exist_with_their_signatures():
    for name, parameters in HOOKS.items():
        hook = getattr(SegmentWriter, name, None)
        assert hook is not None, f"SegmentWriter.{name} is gone"
        assert list(inspect.signature(hook).parameters) == parameters, name


def test_finalize_flushes_through_the_overridden_hook():
    """Whoosh's ``_finalize_segment`` must call ``_flush_segment`` (where kb hands Whoosh the text
    postings from the term arrays) and the writer must expose what the override uses."""
    source = inspect.getsource(SegmentWriter._finalize_segment)
    assert "self._flush_segment()" in source
    for attribute in ("perdocwriter", "fieldwriter", "_tempstorage", "newsegment", "codec", "storage"):
        assert attribute in inspect.getsource(SegmentWriter), attribute
    assert store.TermRecordingWriter._flush_segment is not SegmentWriter._flush_segment
