"""Evidence photos on a weak network (static/huayu/upload.js, assessment/photos.py): a phone
photo is shrunk to 2,000 px before it is sent unless 上传原图 is ticked; the upload shows its
percentage, survives a cut (offline mid-way, or a reply lost) and finishes by itself, stored
once; leaving during an upload asks first; on site the assessor opens the mid-size copy and the
original only by its link."""

import io
import random

import pytest
from PIL import Image
from playwright.sync_api import expect

from django.contrib.sessions.models import Session

from assessment.models import Evidence
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, log_in, shot
from tests.e2e.test_weak_signal import log_in_again
from tests.test_services_onsite import onsite_ready

# The village profile of issue 18 (bytes per second).
VILLAGE = {"offline": False, "latency": 300, "downloadThroughput": 400_000 // 8, "uploadThroughput": 200_000 // 8}


def phone_photo(path, size=(4000, 3000), orientation=None):
    """A camera-sized JPEG with some texture (a flat colour would shrink to nothing)."""
    rng = random.Random(7)
    small = Image.new("RGB", (160, 120))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(160 * 120)])
    image = small.resize(size, Image.Resampling.BICUBIC)
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(path, "JPEG", quality=92, exif=exif.tobytes())
    else:
        image.save(path, "JPEG", quality=92)
    return path


def stored_size(evidence):
    with evidence.file.open("rb") as handle:
        return Image.open(io.BytesIO(handle.read())).size


def first_item(cast):
    return cast.standard.items.order_by("number").first()


@pytest.fixture
def page(phone):
    """Every test here on a phone (390 px): where photos are taken and village networks are."""
    return phone


@pytest.fixture
def checklist(page, cast):
    log_in(page, "carol", PASSWORD)
    page.goto(f"{page.base}/assessments/{cast.assessment.pk}/self/")
    block = page.locator(f"#evidence-{first_item(cast).pk}")
    return block


def throttle(page, conditions):
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", conditions)
    return session


def test_a_large_photo_is_stored_at_2000_px_unless_the_original_is_asked_for(page, cast, checklist, tmp_path):
    photo = phone_photo(tmp_path / "IMG_0001.jpg", orientation=6)  # held upright: EXIF turns it
    checklist.locator("input[type=file]").set_input_files(str(photo))
    expect(checklist.locator(".evidence-status")).to_have_text("已上传 1 个文件。", timeout=20_000)
    evidence = Evidence.objects.get()
    assert stored_size(evidence) == (1500, 2000)  # upright, 2,000 px on the long side
    assert evidence.size < photo.stat().st_size / 2
    assert evidence.original_name == "IMG_0001.jpg" and evidence.content_type == "image/jpeg"
    assert evidence.medium  # the server's 1,200 px copy
    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-thumb img")).to_have_count(1)

    checklist = page.locator(f"#evidence-{first_item(cast).pk}")  # the block was redrawn
    checklist.get_by_label("上传原图").check()
    checklist.locator("input[type=file]").set_input_files(str(photo))
    expect(checklist.locator(".evidence-status")).to_have_text("已上传 1 个文件。", timeout=20_000)
    assert Evidence.objects.count() == 2
    original = Evidence.objects.latest("pk")
    assert original.size == photo.stat().st_size
    with original.file.open("rb") as handle:
        assert handle.read() == photo.read_bytes()

    # A PDF goes as it is.
    pdf = tmp_path / "会议记录.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 3000 + b"\n%%EOF\n")
    page.locator(f"#evidence-{first_item(cast).pk} input[type=file]").set_input_files(str(pdf))
    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-status")).to_have_text("已上传 1 个文件。")
    assert Evidence.objects.latest("pk").size == pdf.stat().st_size


def test_an_upload_cut_offline_finishes_by_itself_when_back_online(page, cast, checklist, tmp_path):
    photo = phone_photo(tmp_path / "支部大会.jpg")
    network = throttle(page, VILLAGE)
    checklist.get_by_label("上传原图").check()  # a large body: the cut comes mid-way
    checklist.locator("input[type=file]").set_input_files(str(photo))
    status = checklist.locator(".evidence-status")
    expect(status).to_contain_text("正在上传“支部大会.jpg”", timeout=10_000)
    expect(status).to_contain_text("约剩", timeout=10_000)  # the percentage and the time left
    expect(status.locator(".progress")).to_be_visible()
    shot(page, "upload-progress")

    # Leaving now asks first.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.evaluate("() => { const l = document.createElement('a'); l.href = '/'; l.id = 'away'; l.textContent = '离开'; document.body.prepend(l); }")
    page.click("#away", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/self/" in page.url

    page.context.set_offline(True)
    expect(status).to_contain_text("网络已断开，恢复后将自动继续上传", timeout=10_000)
    page.wait_for_timeout(3000)  # longer than the first back-off: it waits for the network
    assert not Evidence.objects.exists()

    network.send("Network.emulateNetworkConditions",
                 {**VILLAGE, "uploadThroughput": -1, "downloadThroughput": -1, "latency": 0})
    page.context.set_offline(False)
    expect(status).to_have_text("已上传 1 个文件。", timeout=30_000)
    assert Evidence.objects.count() == 1
    assert Evidence.objects.get().size == photo.stat().st_size


def test_a_lost_reply_is_sent_again_and_stored_once(page, cast, checklist, tmp_path):
    photo = phone_photo(tmp_path / "签到表.jpg", size=(2400, 1800))
    attempts = []

    def lose_the_first_reply(route):
        body = route.request.post_data_buffer
        attempts.append(body.replace(body.split(b"\r\n", 1)[0], b"--"))  # without the multipart boundary
        if len(attempts) == 1:
            route.fetch()  # the server stores it ...
            route.abort("connectionreset")  # ... and the phone never hears back
        else:
            route.continue_()

    page.route("**/evidence/", lose_the_first_reply)
    checklist.locator("input[type=file]").set_input_files(str(photo))
    status = checklist.locator(".evidence-status")
    expect(status).to_contain_text("秒后自动重新上传", timeout=10_000)
    expect(status).to_have_text("已上传 1 个文件。", timeout=20_000)
    assert len(attempts) == 2 and attempts[0] == attempts[1]  # the same shrunk file, the same key
    assert Evidence.objects.count() == 1
    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-thumb img")).to_have_count(1)


def test_on_site_the_assessor_opens_the_mid_size_copy_and_the_original_on_request(page, cast, checklist, tmp_path):
    checklist.locator("input[type=file]").set_input_files(str(phone_photo(tmp_path / "活动.jpg")))
    expect(checklist.locator(".evidence-status")).to_have_text("已上传 1 个文件。", timeout=20_000)
    evidence = Evidence.objects.get()
    onsite_ready(cast)
    assessor = page.context.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    base, page = page.base, assessor.new_page()
    page.base = base
    log_in(page, "bob", PASSWORD)
    page.goto(f"{page.base}/assessments/{cast.assessment.pk}/onsite/")
    shot(page, "onsite-photo-phone")
    row = page.locator(f"#item-{first_item(cast).pk}")
    # A tap on the photo opens the mid-size copy (in a new tab, as the page asks).
    thumb = row.locator("a.of-thumb")
    expect(thumb).to_have_attribute("target", "_blank")
    copy = assessor.new_page()
    copy.goto(base + thumb.get_attribute("href"))
    assert copy.url.endswith(f"/evidence/{evidence.pk}/medium/")
    assert copy.evaluate("document.images[0].naturalWidth") == 1200

    # The original (the 2,000 px the phone sent) only by its own link.
    link = row.get_by_role("link", name="查看原图")
    expect(link).to_be_visible()
    original = assessor.new_page()
    original.goto(base + link.get_attribute("href"))
    assert original.url.endswith(f"/evidence/{evidence.pk}/")
    assert original.evaluate("document.images[0].naturalWidth") == 2000
    assessor.close()


def test_an_upload_can_be_cancelled(page, cast, checklist, tmp_path):
    network = throttle(page, VILLAGE)
    checklist.get_by_label("上传原图").check()
    checklist.locator("input[type=file]").set_input_files(str(phone_photo(tmp_path / "错选的照片.jpg")))
    status = checklist.locator(".evidence-status")
    expect(status).to_contain_text("约剩", timeout=10_000)
    status.get_by_role("button", name="取消上传").click()
    expect(status).to_have_text("已取消上传“错选的照片.jpg”。")
    network.send("Network.emulateNetworkConditions",
                 {**VILLAGE, "uploadThroughput": -1, "downloadThroughput": -1, "latency": 0})
    page.wait_for_timeout(3000)  # longer than the first back-off: nothing is sent again
    assert not Evidence.objects.exists()
    page.goto(page.base + "/")  # nothing left to send: no question on leaving
    assert page.url.endswith("/")


def test_a_waiting_photo_survives_a_reload_and_is_stored_once(page, cast, checklist, tmp_path):
    """The first upload reaches the server but its reply is lost; the secretary reloads before the
    retry: the page keeps the file (IndexedDB), shows it again and sends it with the same key."""
    photo = phone_photo(tmp_path / "党员大会.jpg", size=(2400, 1800))
    keys = []

    def lose_every_reply(route):
        keys.append(route.request.post_data_buffer.split(b'name="upload_key"\r\n\r\n', 1)[1][:32])
        route.fetch()  # the server stores it ...
        route.abort("connectionreset")  # ... and the phone never hears back

    page.route("**/evidence/", lose_every_reply)
    checklist.locator("input[type=file]").set_input_files(str(photo))
    status = checklist.locator(".evidence-status")
    expect(status).to_contain_text("秒后自动重新上传", timeout=10_000)
    assert Evidence.objects.count() == 1
    page.unroute("**/evidence/")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()
    assert dialogs == ["beforeunload"]

    block = page.locator(f"#evidence-{first_item(cast).pk}")
    expect(block.locator(".evidence-status")).to_have_text("已上传 1 个文件。", timeout=20_000)
    assert Evidence.objects.count() == 1  # the same key: stored once
    assert Evidence.objects.get().upload_key == keys[0].decode()
    expect(block.locator(".evidence-thumb img")).to_have_count(1)
    # Nothing is kept any more: a second reload sends nothing and shows no status.
    page.reload()
    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-thumb img")).to_have_count(1)
    page.wait_for_timeout(1000)
    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-status")).to_have_text("")
    assert Evidence.objects.count() == 1


def test_an_upload_after_the_session_ended_goes_on_after_logging_in_again(page, cast, checklist, tmp_path):
    page.evaluate("window.notReloaded = true")
    Session.objects.all().delete()  # the session expired (or was ended elsewhere)
    checklist.locator("input[type=file]").set_input_files(str(phone_photo(tmp_path / "公开栏.jpg", (1600, 1200))))
    status = checklist.locator(".evidence-status")
    expect(status).to_contain_text("登录已失效：“公开栏.jpg”在等待上传", timeout=10_000)
    bar = page.locator("#keep-state")
    expect(bar).to_contain_text("需重新登录")
    assert not Evidence.objects.exists()

    log_in_again(page, bar)

    expect(page.locator(f"#evidence-{first_item(cast).pk} .evidence-status")).to_have_text(
        "已上传 1 个文件。", timeout=20_000)
    assert page.evaluate("window.notReloaded") is True
    assert Evidence.objects.count() == 1
    expect(bar).to_be_hidden()
