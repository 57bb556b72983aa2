"""Where the browser tests' tools live, and what is missing to run them."""

from __future__ import annotations

from pathlib import Path
import shutil

from tests.support import ROOT

NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = (
    "install them with `sudo apt-get install chromium chromium-driver "
    "default-jre-headless npm`, then `make test` runs `npm ci` for node_modules/"
)


def chromium_binary() -> Path | None:
    """Return Debian's Chromium, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def missing_for_chromium() -> list[str]:
    """Name what the Chromium tests need and this machine lacks."""
    missing = []
    if chromium_binary() is None:
        missing.append("chromium")
    if not CHROMEDRIVER.exists():
        missing.append(str(CHROMEDRIVER))
    if not AXE_JS.exists():
        missing.append(str(AXE_JS.relative_to(ROOT)))
    return missing


def missing_for_vnu() -> list[str]:
    """Name what the Nu HTML Checker needs and this machine lacks."""
    missing = []
    if shutil.which("java") is None:
        missing.append("java")
    if not VNU_JAR.exists():
        missing.append(str(VNU_JAR.relative_to(ROOT)))
    return missing


def skip_reason(missing: list[str]) -> str:
    """Explain a skip so a reader knows what to install."""
    return f"browser tools missing: {', '.join(missing)}; {INSTALL_HINT}"
