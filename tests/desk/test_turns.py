"""Understanding customer turns in Korean, Japanese, Thai and English: yes, no, corrections, questions, noise."""

from __future__ import annotations

import pytest

from gateway.desk.turns import container_count, normalise, understand
from gateway.extract.fields import Shipment

KNOWN = Shipment(origin="Busan", destination="Los Angeles", containers="2x40HC")

YES = ["네", "예", "맞습니다", "네, 맞습니다.", "맞아요 감사합니다", "넵",
       "はい", "はい、お願いします。", "そうです", "その通りです", "はい そうです",
       "ใช่", "ใช่ครับ", "ถูกต้อง", "ถูกต้องค่ะ", "ตกลงครับ",
       "yes", "Yes, correct. Thanks!", "correct", "That's right", "OK", "Yes please"]
NO = ["아니요", "아니오", "아닙니다", "아니요, 틀렸어요",
      "いいえ", "違います", "いいえ、違います。",
      "ไม่ใช่", "ไม่ใช่ค่ะ", "ไม่ถูกต้องครับ",
      "no", "No.", "not correct", "That's wrong", "nope"]
QUESTIONS = ["What is the transit time?", "Can you also quote LCL", "운송 기간은 얼마나 걸리나요?",
             "보험도 가능한가요", "納期はいつですか", "保険は付けられますか？", "ส่งได้เมื่อไหร่", "ค่าประกันเท่าไหร่ครับ"]
CORRECTIONS = ["make that 3 containers", "Make it 3 containers please", "No, make that 3 containers",
               "컨테이너 3개로 변경", "컨테이너 3대로 변경해 주세요", "３本に変更", "コンテナを３本に変更してください",
               "เปลี่ยนเป็น 3 ตู้", "เปลี่ยนเป็น ๓ ตู้ครับ"]


@pytest.mark.parametrize("text", YES)
def test_yes_in_four_languages(text: str) -> None:
    assert understand(text, known=KNOWN).intent == "yes"


@pytest.mark.parametrize("text", NO)
def test_no_in_four_languages_even_when_it_contains_a_yes_word(text: str) -> None:
    assert understand(text, known=KNOWN).intent == "no"


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions(text: str) -> None:
    assert understand(text, known=KNOWN).intent == "question"


@pytest.mark.parametrize("text", CORRECTIONS)
def test_corrections_keep_the_known_container_type(text: str) -> None:
    turn = understand(text, known=KNOWN)
    assert turn.intent == "provide" and turn.correction
    assert turn.fields.containers == "3x40HC"


def test_details_from_the_extractor_make_a_provide_turn() -> None:
    turn = understand("The weight is 12 t", found=Shipment(weight_kg=12000.0), known=KNOWN)
    assert turn.intent == "provide" and turn.fields.weight_kg == 12000.0 and not turn.correction


def test_yes_with_the_same_details_restated_is_still_a_yes() -> None:
    assert understand("Yes, Busan to LA", found=Shipment(origin="Busan"), known=KNOWN).intent == "yes"


def test_a_typed_count_is_left_to_the_extractor() -> None:
    assert container_count("make that 3x20GP", KNOWN) is None
    assert container_count("3 containers", Shipment(containers="1x20GP,2x40HC")) is None
    assert container_count("3 containers", Shipment()) is None


@pytest.mark.parametrize("text", ["", "   ", "...", "?!", "🙂"])
def test_empty_or_symbols_are_unclear(text: str) -> None:
    assert understand(text, known=KNOWN).intent in ("unclear", "question")
    assert understand(text, known=KNOWN).intent == ("question" if "?" in text else "unclear")


@pytest.mark.parametrize("text", ["I will check with my boss", "감사합니다 좋은 하루 되세요", "よろしくね",
                                  "ขอบคุณที่ติดต่อมา"])
def test_unrelated_text_is_other(text: str) -> None:
    assert understand(text, known=KNOWN).intent == "other"


def test_normalise_turns_full_width_and_thai_digits_into_ascii() -> None:
    assert normalise("３本 ๑๒ ＹＥＳ") == "3本 12 yes"


def test_a_bare_place_fills_the_place_we_asked_for() -> None:
    known = Shipment(origin="Busan", containers="2x40HC")
    turn = understand("Tokyo", found=Shipment(origin="Tokyo"), known=known)
    assert turn.intent == "provide" and turn.fields.destination == "Tokyo" and turn.fields.origin is None
    both = understand("Incheon to Tokyo", found=Shipment(origin="Incheon", destination="Tokyo"), known=known)
    assert both.fields.origin == "Incheon" and both.fields.destination == "Tokyo"  # explicit routes stand
    full = Shipment(origin="Busan", destination="Osaka")
    assert understand("from Incheon", found=Shipment(origin="Incheon"), known=full).fields.origin == "Incheon"
