"""Browser tests: Debian's chromium, driven by Playwright's sync API, against pytest-django's live server.

Playwright's own browser download is not used: the tests launch /usr/bin/chromium and skip when it is missing.
The live server runs the app in another thread of this process, so `django.core.mail.outbox` and the
in-memory cache are shared with the test, and tasks run at once (tichub.config.settings.test).
"""

import asyncio
import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tichub.accounts import demo

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Screenshots for humans; the folder is gitignored (/test-results/).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Remember whether the test body failed, so that the context fixture can keep a screenshot of it."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@contextlib.contextmanager
def _loop_marked(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Mark Playwright's loop as running in this thread for the duration, as its sync API expects."""
    asyncio._set_running_loop(loop)
    try:
        yield
    finally:
        asyncio._set_running_loop(None)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[tuple[Any, asyncio.AbstractEventLoop]]:
    """Playwright and the asyncio loop its sync API runs, for the whole session (one xdist worker)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: the browser tests drive Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    shutil.rmtree(RESULTS_DIR / "failures", ignore_errors=True)  # only this run's failures
    manager = sync_api.sync_playwright()
    playwright = manager.start()
    # Between its calls the sync API marks its loop as running in this thread (wait_for_future in
    # playwright/_impl/_greenlets.py). Only browser tests see the mark: see _browser_test.
    loop = asyncio.get_running_loop()
    asyncio._set_running_loop(None)
    yield playwright, loop
    with _loop_marked(loop):
        playwright.stop()


@pytest.fixture(autouse=True)
def _browser_test(_playwright: tuple[Any, asyncio.AbstractEventLoop]) -> Iterator[None]:
    """Let a browser test use Playwright and the database in one thread, and leave no trace for other tests.

    Django refuses synchronous database calls from a thread with a running event loop (SynchronousOnlyOperation),
    and Playwright's sync API keeps one marked as running: test data, assertions on the database and
    pytest-django's flush all make such calls. DJANGO_ALLOW_ASYNC_UNSAFE is the documented workaround for
    pytest-playwright with Django; the live server's own thread has no loop. Both the variable and the mark are
    confined to browser tests: the other tests that run on this worker see neither (`check --deploy`, run in a
    subprocess that inherits the environment, warns about the variable).
    """
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with _loop_marked(_playwright[1]):
            yield
    finally:
        if before is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = before


@pytest.fixture(scope="session")
def browser(_playwright: tuple[Any, asyncio.AbstractEventLoop]) -> Iterator[Any]:
    """One headless chromium for the whole session (all browser tests share one xdist worker)."""
    playwright, loop = _playwright
    with _loop_marked(loop):  # session fixtures are set up before _browser_test
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    with _loop_marked(loop):
        browser.close()


@pytest.fixture
def new_context(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Make fresh browser contexts (separate cookies: separate people) aimed at the live server.

    Contexts ask for Chinese, as the cluster's users' browsers do; pass options to override. When the test
    fails, every open page is saved to test-results/failures/ before the contexts close.
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options = {
            "base_url": live_server.url,
            "locale": "zh-CN",
            "viewport": {"width": 1280, "height": 900},
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    failed = request.node.stash.get(_CALL_FAILED, False)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                target = RESULTS_DIR / "failures" / f"{name}-{i}-{j}.png"
                target.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
                    page.screenshot(path=target, full_page=True)
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh Chinese-speaking, JavaScript-enabled context."""
    return new_context().new_page()


@pytest.fixture
def demo_cluster(live_server: Any) -> None:
    """The demo cluster (organisations and one person per role), in the live server's transactional database."""
    demo.load()


@pytest.fixture
def results_dir() -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR
