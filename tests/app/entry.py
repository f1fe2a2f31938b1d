"""AppTest's entry script: runs app.py from a folder with no `pages/` beside it.

AppTest resets Streamlit's multipage mode before every run, and next to a `pages/` folder that
puts reruns in legacy mode, which runs a page without app.py (no sidebar, no login check).
The app's own way out of that mode is lib/ui/legacy_pages.py; AppTest cannot use it, since it
resets the mode before every run.
"""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
