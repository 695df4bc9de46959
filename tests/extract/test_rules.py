"""Rules extraction per language and per trap: names, codes, units, containers, digits, dates, quoted mail."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.extract.rules import extract_rules

SENT = datetime.fromisoformat("2026-03-12T09:14:00+09:00")  # a Thursday


def fields(text: str, sent: datetime | None = SENT, attachments: tuple[str, ...] = ()) -> dict[str, object]:
    return extract_rules(text, sent_at=sent, attachments=attachments).shipment.as_dict()


def test_korean_request() -> None:
    f = fields("부산-LA 40HC 2대 운임 견적\n- POL: 부산 (KRPUS)\n- POD: Los Angeles (USLAX)\n- 컨테이너: 40HC x 2\n"
               "- 조건: FOB\n- 화물 준비일: 2026년 3월 20일")
    assert f["origin"] == "Busan" and f["destination"] == "Los Angeles"
    assert f["containers"] == "2x40HC" and f["mode"] == "sea" and f["incoterm"] == "FOB"
    assert f["ready_date"] == "2026-03-20"


def test_japanese_full_width_digits_and_relative_date() -> None:
    f = fields("釜山→博多　２０ＧＰ　２本\n来週水曜に先方工場で積込予定です。", datetime(2026, 3, 9, 17, 55))
    assert (f["origin"], f["destination"], f["containers"]) == ("Busan", "Hakata", "2x20GP")
    assert f["ready_date"] == "2026-03-18"


def test_thai_digits_buddhist_year_and_units() -> None:
    f = fields("ส่งจาก แหลมฉบัง ไป ปูซาน น้ำหนัก ๒ ตัน ปริมาตร ๕ คิว พร้อมส่ง ๒๐ มีนาคม ๒๕๖๙ ทางเรือ")
    assert (f["origin"], f["destination"]) == ("Laem Chabang", "Busan")
    assert f["weight_kg"] == 2000 and f["volume_cbm"] == 5 and f["ready_date"] == "2026-03-20"
    assert f["mode"] == "sea"


def test_english_codes_pounds_and_cubic_feet() -> None:
    f = fields("Air freight ICN to LAX please: 3 cartons, total 1,100 lbs, 850 cu ft, ready next Friday. CIP")
    assert (f["origin"], f["destination"], f["mode"]) == ("Incheon", "Los Angeles", "air")
    assert f["weight_kg"] == pytest.approx(498.952, abs=0.01)
    assert f["volume_cbm"] == pytest.approx(24.069, abs=0.01)
    assert f["packages"] == 3 and f["incoterm"] == "CIP" and f["ready_date"] == "2026-03-20"


@pytest.mark.parametrize(("text", "kg"), [
    ("gross weight 2.5 t", 2500), ("총중량 3톤", 3000), ("重量 1.2トン", 1200), ("น้ำหนัก 4 ตัน", 4000),
    ("G.W. 21.400 kg", 21400), ("weight: 800kgs", 800), ("45ｋｇ", 45),
])
def test_weights(text: str, kg: float) -> None:
    assert fields(text)["weight_kg"] == kg


@pytest.mark.parametrize(("text", "cbm"), [
    ("12 CBM", 12), ("volume 3.5 m3", 3.5), ("容積 8立米", 8), ("2 คิว", 2), ("35.3 cu ft", 0.9996), ("4㎥", 4),
])
def test_volumes(text: str, cbm: float) -> None:
    assert fields(text)["volume_cbm"] == pytest.approx(cbm, abs=0.001)


@pytest.mark.parametrize(("text", "containers"), [
    ("2 x 40HC", "2x40HC"), ("40' HQ x 1", "1x40HC"), ("1 x 20' standard and 2x40HC", "1x20GP,2x40HC"),
    ("40HC 3대", "3x40HC"), ("２０ＧＰ × ２本", "2x20GP"), ("5 ตู้ 20 ฟุต", "5x20GP"), ("1x40RF reefer", "1x40RF"),
    ("45' HC x 2", "2x45HC"),
])
def test_containers(text: str, containers: str) -> None:
    assert fields(text)["containers"] == containers


@pytest.mark.parametrize(("text", "iso"), [
    ("ready next Friday", "2026-03-20"), ("来週金曜日出荷", "2026-03-20"), ("다음 주 금요일 출고", "2026-03-20"),
    ("พร้อมส่งศุกร์หน้า", "2026-03-20"), ("cargo ready 27.03.2026", "2026-03-27"), ("ready 2569-04-02", "2026-04-02"),
    ("พร้อม 2 เม.ย. 69", "2026-04-02"), ("ready on March 30", "2026-03-30"), ("준비일 4/3", "2026-04-03"),
])
def test_ready_dates(text: str, iso: str) -> None:
    assert fields(text)["ready_date"] == iso


def test_deadline_is_not_a_ready_date() -> None:
    assert fields("Your offer should reach us by Friday, 6 March.")["ready_date"] is None


def test_quoted_earlier_mail_never_overrides_new_text() -> None:
    body = ("Please change the destination to Yokohama, 3x40HC now.\n\n"
            "On Mon, 9 Mar 2026 at 10:12, Kim <kim@example.com> wrote:\n"
            "> Busan to Los Angeles, 2x40HC, FOB, ready 2026-03-20\n")
    f = fields(body)
    assert f["destination"] == "Yokohama" and f["containers"] == "3x40HC"
    assert f["incoterm"] is None and f["ready_date"] is None and f["origin"] is None


def test_unknown_city_is_unsupported_not_guessed() -> None:
    ex = extract_rules("Origin: Xyzzyville\nDestination: Busan\n1x20GP", sent_at=SENT)
    assert ex.shipment.origin is None and ex.shipment.destination == "Busan"
    assert ex.unsupported == {"origin": "Xyzzyville"}


def test_attachment_text_counts() -> None:
    f = fields("첨부 파일 확인하시고 견적 회신 부탁드립니다.", attachments=(
        "출발지\t평택항 (KRPTK)\n도착지\tHo Chi Minh City, Cat Lai\n컨테이너\t20GP x 1\n포장\t12 pallets\n"
        "총중량\t8,400 kg\n인코텀즈\tCIF\n화물준비일\t2026-01-15",))
    assert (f["origin"], f["destination"], f["containers"]) == ("Pyeongtaek", "Ho Chi Minh City", "1x20GP")
    assert (f["packages"], f["weight_kg"], f["incoterm"], f["ready_date"]) == (12, 8400, "CIF", "2026-01-15")


def test_no_sent_date_keeps_only_dates_with_a_year() -> None:
    assert fields("ready next Friday", sent=None)["ready_date"] is None
    assert fields("ready 2026-05-01", sent=None)["ready_date"] == "2026-05-01"


def test_evidence_names_the_source_text() -> None:
    ex = extract_rules("Busan to Tokyo, 2 x 40' HQ", sent_at=SENT)
    assert ex.evidence["containers"] == "2 x 40' HQ" and ex.evidence["origin"] == "Busan"


def test_changed_date_after_an_arrow_wins() -> None:
    assert fields("출고일: 3월 13일 → 3월 12일 변경")["ready_date"] == "2026-03-12"


def test_bare_day_or_weekday_needs_a_ready_word() -> None:
    assert fields("その運賃でお願いします。20日搬入で。", datetime(2026, 3, 11))["ready_date"] == "2026-03-20"
    assert fields("pallets ready at our warehouse monday", datetime(2026, 2, 27))["ready_date"] == "2026-03-02"
    assert fields("Call me on Monday about the 20th anniversary.")["ready_date"] is None


def test_small_town_or_person_names_are_not_places_without_a_route_word() -> None:
    f = fields("Hi Vincent,\nplease quote 1x40HC Ningbo to Chicago.\nRegards, Naveen")
    assert (f["origin"], f["destination"]) == ("Ningbo", "Chicago")
    assert fields("Pickup from Tetbury to Felixstowe port, 2 pallets")["origin"] == "Tetbury"


def test_english_names_are_ascii() -> None:
    assert fields("부산 → 그단스크(Gdansk) 40HC x 2")["destination"] == "Gdansk"
    assert fields("토론토에서 몬트리올로 항공 300kg")["destination"] == "Montreal"


@pytest.mark.parametrize(("text", "kg"), [
    ("4 x 40' HC Tacoma to Busan, alfalfa bales, 26 MT each", 104_000),
    ("２０ＧＰ × ５本、１本あたり約１９．５トン", 97_500),
    ("ข้าวหอมมะลิ ใส่ตู้ 40HC 2 ตู้ (ตู้ละ 26 ตัน)", 52_000),
    ("Volume: 2 x 40HC\nWeight: 約 22 トン / container", 44_000),
    ("ประมาณ 30 ลัง ลังละ10กิโล", 300),
    ("중량: 대당 약 22톤 (총 44톤), 40HC 2대", 44_000),
])
def test_per_unit_weights_are_multiplied_out(text: str, kg: float) -> None:
    assert fields(text)["weight_kg"] == kg


@pytest.mark.parametrize(("text", "n"), [
    ("Total: 3,600 pcs / 30 cartons / G.W. 610 kg", 30),
    ("ワイン 120 ケース（パレット 4 枚）、約 1.8 立米", 4),
    ("ใส่กล่อง 20 ถุง รวม 180 กล่อง ประมาณ 4 คิว", 180),
    ("40GP 1대로 변경 부탁드립니다. 팔레트는 22개로 늘었어요.", 22),
    ("数量,22パレット", 22),
    ("Cartons: 86", 86),
])
def test_package_counts(text: str, n: int) -> None:
    assert fields(text)["packages"] == n


@pytest.mark.parametrize(("text", "commodity"), [
    ("- 품목: 자동차 부품 (브레이크 패드, 필터류)", "auto parts"),
    ("Commodity: knitted apparel (HTS 6110)", "knitted apparel"),
    ("品名：光学測定器（電池なし）\n総重量：45kg", "measuring instruments"),
    ("please quote LCL for 3 pallets of food flavoring raw material from Incheon", "food flavoring raw material"),
    ("We export teak garden benches to Aalsmeer", "teak garden benches"),
    ("We export fresh cut orchids to Aalsmeer", "fresh cut orchids"),
    ("12 cartons of used auto parts, 800 kg", "used auto parts"),
    ("ข้าวหอมมะลิ บรรจุกระสอบ 50 กก. จำนวน 5 ตู้", "jasmine rice"),
    ("冷凍マグロ 40ftリーファー１本", "frozen goods"),
    ("Price to Los Angeles please, 2 pallets", None),
])
def test_commodity(text: str, commodity: str | None) -> None:
    assert fields(text)["commodity"] == commodity


def test_a_lone_foreign_place_is_the_destination() -> None:
    assert fields("자카르타 2대→3대로 늘려주세요")["destination"] == "Jakarta"
    assert fields("DDPシアトルでの再見積、ありがとうございました。")["destination"] == "Seattle"
    assert fields("부산 창고에서 출고합니다")["origin"] == "Busan"


def test_words_and_people_are_not_places() -> None:
    f = fields("千寿製薬の川口でございます。梱包は木枠で８６個口になります。")
    assert (f["origin"], f["destination"]) == (None, None)
    assert fields("보세창고 입고 후 분할 출고 지시 (1차)")["origin"] is None
    assert fields("ยางแท่ง STR20 อีก 1x40HC ไปเซี่ยงไฮ้")["destination"] == "Shanghai"
    assert fields("ยางแท่ง STR20 อีก 1x40HC ไปเซี่ยงไฮ้")["origin"] is None


@pytest.mark.parametrize(("text", "containers"), [
    ("We're looking to move 2 x 40' reefers of chilled beef", "2x40RF"),
    ("コンテナ\t20GP\t2\n品名\t電線ケーブル", "2x20GP"),
    ("ขนาดกล่อง 60x40x45 ซม. ทุกกล่อง", None),
    ("carton size 50x40 cm, 12 cartons", None),
])
def test_container_traps(text: str, containers: str | None) -> None:
    assert fields(text)["containers"] == containers


@pytest.mark.parametrize(("text", "sent", "iso"), [
    ("FOB Dalian, ready 3/26.", datetime(2026, 3, 18), "2026-03-26"),
    ("Please book it in for the 25th, pickup at the supplier.", datetime(2026, 3, 12), "2026-03-25"),
    ("오늘 오후 4시에 샘플 박스 1개 픽업 부탁드립니다.", datetime(2026, 3, 5), "2026-03-05"),
    ("수요일 오후 2시에 픽업 오시면 돼요.", datetime(2026, 1, 26), "2026-01-28"),
    ("3月末出荷予定です", datetime(2026, 3, 3), "2026-03-31"),
    ("cargo ready end of April", datetime(2026, 3, 3), "2026-04-30"),
])
def test_more_ready_dates(text: str, sent: datetime, iso: str) -> None:
    assert fields(text, sent)["ready_date"] == iso


def test_thai_sara_am_survives_normalisation() -> None:
    f = fields("ขอราคาใหม่น้ำหอมไปปารีส น้ำหนักรวม 120 กก. จำนวน 8 กล่อง")
    assert (f["commodity"], f["weight_kg"], f["packages"], f["destination"]) == ("perfume", 120, 8, "Paris")


@pytest.mark.parametrize(("text", "kg"), [
    ("40GP × 3本\nアーモンド（殻なし、22.68kg箱）、1本あたり 約 19.9 トン", 59_700),
    ("20GP × 4本\nコーヒー生豆（60kg麻袋 × 320袋／本）\n総重量 76,800kg", 76_800),
    ("明日、東京→仙台で4t1台空いてますか？雑貨 パレット6枚 2.5t。", 2_500),
    ("コンテナ：40HC ×2（実入り）\n貨物：樹脂成形品　各約8トン", 16_000),
])
def test_japanese_weights(text: str, kg: float) -> None:
    assert fields(text)["weight_kg"] == kg


def test_mode_hints() -> None:
    assert fields("大型トラック（エアサス）６台分で札幌まで")["mode"] == "road"
    assert fields("40HC × 8本、東京で通関後に配送")["mode"] == "sea"
    assert fields("国内配送のお見積り、東京から大阪まで")["mode"] == "road"
    assert fields("お見積り（AQ-0319-KMJ）の条件で発注いたします。")["mode"] is None


def test_codes_that_are_freight_words_count_only_in_a_pair() -> None:
    f = fields("Confirm weekly orchids BKK-AMS from 16 March, 40 boxes")
    assert (f["origin"], f["destination"], f["mode"]) == ("Bangkok", "Amsterdam", "air")
    assert fields("Please file the AMS and ISF for this booking")["destination"] is None


def test_people_named_like_towns_are_not_places() -> None:
    assert fields("Contact there is Mr. Kaya, +90 212 555 3381. 2x40HC to Mersin")["origin"] is None


@pytest.mark.parametrize(("text", "n"), [
    ("Quantity: 800 bags on 20 pallets", 20),
    ("梱包：木箱 3\n重量：合計 1,240 kg", 3),
    ("ราคานำเข้าโฟล์คลิฟท์มือสองจากโยโกฮามา 6 คัน", 6),
    ("Packing: 20 big bags on pallets", 20),
])
def test_more_package_counts(text: str, n: int) -> None:
    assert fields(text)["packages"] == n


def test_a_route_chain_goes_to_its_last_place() -> None:
    f = fields("인천 → 톈진항 해상, 톈진 → 울란바토르 철도 구간으로 알아보고 있습니다. 방한의류 3톤")
    assert (f["origin"], f["destination"]) == ("Incheon", "Ulaanbaatar")
    f = fields("Rate for 45' HC Tuticorin to Rotterdam → Duisburg please")
    assert (f["origin"], f["destination"]) == ("Tuticorin", "Duisburg")
    assert fields("Inquiry rail freight Xi’an to Duisburg")["origin"] == "Xi'an"


def test_lower_case_big_city_after_to_and_cues_after_brackets() -> None:
    assert fields("how much to send 2 pallets to amsterdam by air? around 300kg")["destination"] == "Amsterdam"
    assert fields("please call amsterdam office")["destination"] is None
    assert fields("광양 출항 → 슬로베니아 코퍼(Koper)항까지이고")["destination"] == "Koper"
    assert fields("ジブチ → 神戸、20GP × 1本")["origin"] == "Djibouti"


@pytest.mark.parametrize(("text", "sent", "iso"), [
    ("loading ช่วง 10-20 เม.ย. 2569", datetime(2026, 3, 9), "2026-04-10"),
    ("集荷日を3月19日（木）から3月23日（月）に変更していただけますか", datetime(2026, 3, 17), "2026-03-23"),
    ("ขอเลื่อนวันโหลดจาก 30 ม.ค. เป็น 4 ก.พ. 69", datetime(2026, 1, 27), "2026-02-04"),
    ("Cargo ready: 08/04/2026", datetime(2026, 3, 20), "2026-04-08"),
    ("ceramic tiles, 27 ton each. FOB. Load 1/4. thx", datetime(2026, 3, 18), "2026-04-01"),
    ("2月12日付の御見積書の条件で、3月25日積みでお願いします", datetime(2026, 2, 19), "2026-03-25"),
])
def test_date_ranges_changes_and_documents(text: str, sent: datetime, iso: str) -> None:
    assert fields(text, sent)["ready_date"] == iso


@pytest.mark.parametrize(("text", "mode"), [
    ("2x40HC from Qingdao to Houston, then truck to our place in Amarillo", "sea"),
    ("whats ur rate 40' HC ningbo to chicago rail ramp + door to Naperville?", "sea"),
    ("Manzanillo에서 Monterrey까지 rail or truck inland도 같이 부탁드려요. 2x40HC", "sea"),
    ("รถบรรทุก 6 ล้อ กรุงเทพ-เชียงใหม่", "road"),
    ("의왕ICD → 부산신항 철송 40HC 4대", "rail"),
])
def test_mode_of_the_main_leg(text: str, mode: str) -> None:
    assert fields(text)["mode"] == mode


@pytest.mark.parametrize("text", ["3/4 " * 20_000, "東京" * 40_000, "12.5 kg 3 cbm 2x40HC " * 10_000, "1," * 50_000])
def test_hostile_text_is_bounded(text: str) -> None:
    import time

    started = time.perf_counter()
    extract_rules(text, sent_at=SENT, attachments=[text] * 10)
    assert time.perf_counter() - started < 10  # quadratic paths took 17 s on 80 KB of dates before the bounds


@pytest.mark.parametrize(("text", "n"), [
    ("Goods: Aluminium wheels // Qty: 1,120 pcs packed on 56 pallets", 56),
    ("Carton qty: 1,480 ctns // N.W: 7,100 kgs", 1480),
    ("2 x 40HC lubricant oil, 80 drums per container", 160),
    ("2 ตู้ 40RF/สัปดาห์ (ตู้ละ 20 พาเลท, 12 ตัน)", 40),
    ("150kg → 420kg, 박스 6개 → 16개로 변경해서 다시 견적 부탁드려요", 16),
    ("ประมาณ 1 คันรถ 10 ล้อ / 12 ตัน / 850 ลัง", 850),
])
def test_package_counts_per_container_and_changed(text: str, n: int) -> None:
    assert fields(text)["packages"] == n


@pytest.mark.parametrize(("text", "containers"), [
    ("４０ＨＣ３本で取っていただいたところ、40HC 3本→2本に減らしたいです", "2x40HC"),
    ("어제 부킹한거 20피트 2대에서 3대로 늘려주세요", "3x20GP"),
    ("2x40HC → Busan", "2x40HC"),
])
def test_changed_container_counts(text: str, containers: str) -> None:
    assert fields(text)["containers"] == containers


def test_company_names_and_common_words_are_not_places() -> None:
    f = fields("BusyBee様\nお世話になります。川口機械の松尾です。\n中国の仕入先がCIF東京で手配しています。")
    assert "Kawaguchi" not in (f["origin"], f["destination"]) and "Tokyo" in (f["origin"], f["destination"])
    assert fields("지난번 건 잘 도착했다고 연락 받았습니다. 인천 → 아카바 40HC 2대")["origin"] == "Incheon"


def test_two_places_without_route_words_leave_from_the_writers_country() -> None:
    f = fields("ジャカルタ赴任の荷物について。東京の自宅から家財を送りたいです。")
    assert (f["origin"], f["destination"]) == ("Tokyo", "Jakarta")


def test_thai_small_towns_inside_words_and_lch() -> None:
    f = fields("ตกลงราคา มะพร้าวไปเซี่ยงไฮ้ 2x40RF")
    assert (f["origin"], f["destination"]) == (None, "Shanghai")
    f = fields("ขอ rate 2 x 40'HQ LCH -> Lazaro Cardenas ครับ")
    assert f["origin"] == "Laem Chabang"
