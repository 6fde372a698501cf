"""The page in a real browser: Debian's headless Chromium driven by Selenium, against a real
``followup serve``. Nothing is downloaded at test time: the browser and its driver are the
operating system's (``apt-get install chromium chromium-driver``; ``.ci/run`` installs them).

Skipped where they are missing, unless ``FOLLOWUP_REQUIRE_BROWSER=1`` (set by ``.ci/run``),
where missing is a failure. Screenshots are saved in the test's temporary folder, or in
``FOLLOWUP_SCREENSHOTS`` when that names a folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from serving import running

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    if os.environ.get("FOLLOWUP_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"the browser test needs {CHROMIUM} and {DRIVER}: apt-get install chromium chromium-driver")
    pytest.skip("Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.expected_conditions import staleness_of  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with running() as address:
        yield address


@pytest.fixture(scope="module")
def downloads() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="followup-downloads-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("FOLLOWUP_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    with tempfile.TemporaryDirectory(prefix="followup-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", f"--user-data-dir={profile}", "--window-size=1000,1800"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
        driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
        driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()


def fill(driver: Any, values: dict[str, str]) -> None:
    """Type into each field as a person would; date and time inputs are set as their value."""
    for name, value in values.items():
        element = driver.find_element(By.NAME, name)
        kind = element.get_attribute("type")
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif kind == "checkbox":
            if element.is_selected() != (value == "on"):
                element.click()
        elif kind in ("date", "time"):  # typed keys follow the browser's locale; the value does not
            driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)


def submit(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, "button.primary[name=do][value=advise]").click()
    wait_for_page(driver)


def wait_for_page(driver: Any) -> None:
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete"
                                    and d.find_elements(By.CSS_SELECTOR, "#verdict, .error-summary"))


def read_result(driver: Any) -> tuple[str, str | None]:
    verdict = driver.find_element(By.ID, "verdict").text
    drafts = driver.find_elements(By.ID, "draft")
    return verdict, drafts[0].text if drafts else None


def test_a_danish_application_then_its_calendar(browser: Any, base: str, downloads: Path, shots: Path) -> None:
    browser.get(f"{base}/?lang=da")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Følg op på en jobansøgning"
    fill(browser, {"country": "DK", "stage": "applied", "today": "2026-11-21", "position": "Bogholder",
                   "employer.name": "Nordhavn A/S", "application.sent_on": "2026-11-11",
                   "application.via": "online_portal", "contact.name": "Mette Jensen",
                   "contact.email": "mj@example.dk"})
    submit(browser)
    browser.save_screenshot(str(shots / "danish-application.png"))
    verdict, draft = read_result(browser)
    assert "Mette Jensen" in verdict and "e-mail" in verdict  # the page's language: Danish
    # The draft, in Danish, ready to copy (the copy button shows only with JavaScript).
    assert draft is not None and "Kære Mette" in draft and "Bogholder" in draft
    assert browser.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()
    assert "lørdag den 21. november 2026" in browser.find_element(By.ID, "window").text
    browser.find_element(By.ID, "calendar").click()
    target = downloads / "followup-plan.ics"
    deadline = time.monotonic() + 30
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    content = target.read_bytes()
    assert content.startswith(b"BEGIN:VCALENDAR") and b"BEGIN:VEVENT" in content and b"Mette Jensen" in content


SWEDISH_INTERVIEW = {"country": "SE", "stage": "interviewed", "today": "2026-11-30", "position": "Ekonomiassistent",
                     "employer.name": "Lagerhuset AB", "application.sent_on": "2026-11-02",
                     "contact.name": "Anna Berg", "contact.email": "anna.berg@example.se",
                     "interviews[0].date": "2026-11-10", "interviews[0].format": "online",
                     "interviews[0].invited_by": "email", "interviews[0].thanked": "on",
                     "interviews[1].date": "2026-11-18", "interviews[1].time": "13:00",
                     "interviews[1].format": "in_person", "interviews[1].answer_promised_by": "2026-11-27",
                     "interviews[1].tone": "warm", "interviews[1].thanked": "on"}


def test_a_swedish_interview_in_two_rounds(browser: Any, base: str, shots: Path) -> None:
    browser.get(f"{base}/?lang=sv")
    rounds = browser.find_elements(By.CSS_SELECTOR, "#section-interviews fieldset.row")
    assert [r.find_element(By.TAG_NAME, "legend").text for r in rounds] == ["Intervjuomgång 1", "Intervjuomgång 2"]
    label = rounds[1].find_element(By.CSS_SELECTOR, "label[for=f-interviews-1-date]")
    assert label.text == "Datum"
    assert rounds[1].find_element(By.ID, "f-interviews-1-date").get_attribute("type") == "date"
    fill(browser, SWEDISH_INTERVIEW)
    submit(browser)
    browser.save_screenshot(str(shots / "swedish-interview.png"))
    verdict, draft = read_result(browser)
    assert "Anna Berg" in verdict
    listed = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#rounds li")]
    assert listed == ["tisdag 10 november 2026 · Digitalt (video)", "onsdag 18 november 2026, 13:00 · På plats"]
    # The draft is about the last round and the answer promised then, not the first round.
    assert "onsdag 18 november" in draft and "27 november" in draft and "10 november" not in draft
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sv"
    details = browser.find_elements(By.CSS_SELECTOR, "#rules details")
    assert details and not details[0].get_attribute("open")  # folded away until asked for
    details[0].find_element(By.TAG_NAME, "summary").click()
    assert details[0].get_attribute("open") is not None


def test_a_round_is_added_with_the_button_and_enter_advises(browser: Any, base: str, shots: Path) -> None:
    browser.get(f"{base}/?lang=sv")
    fill(browser, SWEDISH_INTERVIEW)
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "button[value=add_round]").click()
    WebDriverWait(browser, 60).until(staleness_of(old))  # the form again, from the server
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    third = browser.find_element(By.ID, "interviews-2")
    assert third.find_element(By.TAG_NAME, "legend").text == "Intervjuomgång 3"
    assert browser.find_element(By.NAME, "interviews[1].time").get_attribute("value") == "13:00"  # typed, kept
    assert browser.find_element(By.NAME, "interviews[0].thanked").is_selected()
    assert browser.execute_script("return location.hash") == "#f-interviews-2-date"  # lands on the new row
    fill(browser, {"interviews[2].date": "2026-11-25", "interviews[2].format": "phone"})
    browser.find_element(By.NAME, "position").send_keys(Keys.ENTER)  # Enter in a field advises, adds nothing
    wait_for_page(browser)
    browser.save_screenshot(str(shots / "swedish-three-rounds.png"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#rounds li")) == 3
    last = browser.find_element(By.CSS_SELECTOR, "#rounds li:last-child")
    assert last.text == "onsdag 25 november 2026 · Per telefon"


def test_an_error_appears_beside_the_wrong_field(browser: Any, base: str, shots: Path) -> None:
    browser.get(f"{base}/?lang=da")
    fill(browser, {"country": "DK", "stage": "applied", "contact.name": "Mette Jensen",
                   "contact.email": "ikke en adresse"})
    submit(browser)
    browser.save_screenshot(str(shots / "danish-error.png"))
    error = browser.find_element(By.ID, "f-contact-email-error")
    assert "e-mailadresse" in error.text
    field = browser.find_element(By.ID, "f-contact-email")
    assert field.get_attribute("value") == "ikke en adresse"  # what was typed is kept
    assert field.get_attribute("aria-invalid") == "true"
    assert "f-contact-email-error" in field.get_attribute("aria-describedby")
