"""The Qt binding itself: PySide6 6.12.0 dropped a reference to None on every void call.

On Python 3.11 (None is not immortal there) that crashed the app with ``none_dealloc`` after
a few thousand calls (timers, labels, processEvents). pyproject.toml excludes that release;
this test catches any binding with the same fault.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

pytestmark = pytest.mark.gui


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_reference_counts(qapp: QApplication) -> None:
    label, timer = QLabel(), QTimer()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(2000):
        label.setText("x")
        timer.start(1000)
        timer.stop()
        qapp.processEvents()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(abs(a - b) < 50 for a, b in zip(after, before, strict=True)), (before, after)
