"""Mode of transport, incoterm, package count and commodity (pure)."""

from __future__ import annotations

import re

from gateway.extract.fields import INCOTERMS

_INCOTERM = re.compile(r"(?<![A-Za-z])(" + "|".join(INCOTERMS) + r"|C&F|CNF|CFR|DDU)(?![A-Za-z])")
_INCOTERM_LOWER = re.compile(
    r"(?:incoterms?|terms?|조건|인코텀즈|条件|インコタームズ|เทอม|เงื่อนไข)\s?(?:20[12]0)?\s?[:：]?\s?"
    r"(" + "|".join(INCOTERMS) + r")\b", re.IGNORECASE)

# Checked in this order: an explicit word for air or rail, then sea, then road, then words that only suggest sea
# (containers, CY) or road (inland delivery) - a sea shipment often mentions its trucking too.
_MODES = [
    ("air", r"\bair\b|airfreight|air\s?freight|by\sair|air\sshipment|\bawb\b|항공|비행기|航空|"
            r"エア便|エアー便|エアカーゴ|空輸|ทางอากาศ|"
            r"แอร์(?!\s?(?:บ้าน|คอน))|เครื่องบิน|การบิน|air\scargo|airport|空港|공항|สนามบิน|\bflights?\b|เที่ยวบิน|항공편|便名"),
    ("rail", r"\brail\b|railway|\btrain\b|by\srail|철도|철송|기차|鉄道|列車|JRコンテナ|JR貨物|รถไฟ|ทางราง|"
             r"land\s?bridge|\btcr\b|\btsr\b|中欧班列|china\s?europe\s?railway"),
    ("sea", r"\bsea\b|ocean|seafreight|sea\s?freight|vessel|해상|선박|배편|海上|船便|海運|フェリー|ทางเรือ|เรือ|"
            r"本船|선박|본선|\bro-?ro\b|카페리|ferry"),
    ("road", r"\btruck(?:ing)?\b|\broad\b|trucking|by\struck|lorry|\bftl\b|\bltl\b|트럭|육로|육상\s?운송|육송|"
             r"トラック|ドレージ|ユニック|チャーター便|\d+\s?t車|รถบรรทุก|ทางบก|ทางรถ|รถ\s?\d+\s?ล้อ|\d+\s?ล้อ|รถหกล้อ|"
             r"รถสิบล้อ|จองรถ|งานรถ|เที่ยวรถ|รถพ่วง|รถกระบะ|รถเทรลเลอร์|cross[\s-]?border|윙바디|카고트럭|\d+\s?톤\s?차"),
    ("sea", r"\bfcl\b|\blcl\b|\bcy\b|\bcfs\b|container|컨테이너|コンテナ|ตู้คอนเทนเนอร์|ตู้|船|선적항|ท่าเรือ|"
            r"\bport\sof\s(?:loading|discharge)\b|\bpol\b|\bpod\b|\b(?:20|40|45)\s?(?:ft|feet|foot|')|"
            r"(?:20|40|45)\s?(?:피트|フィート|ฟุต)"),
]

_PACKAGE_WORDS = (
    r"(?:cartons?|ctns?|cases?|pallets?|plts?|pkgs?|packages?|pieces?|pcs|boxes|crates?|drums?|bags?|bales?|"
    r"rolls?|coils?|skids?|totes?|ibcs?|units?|sacks?|bundles?|big\sbags?|paintings|sets|"
    r"카톤|박스|팔레트|파레트|팔렛|상자|포대|드럼|케이스|대의|"
    r"ケース|カートン|箱|パレット|個口|個|梱|ケ|袋|ドラム|クレート|木箱|基|台|"
    r"กล่อง|พาเลท|พาเลต|ลัง|ชิ้น|หีบห่อ|ห่อ|แพ็ค|กระสอบ|ถุง|ม้วน|ถัง|เครื่อง|คัน|ชุด|ตัว)"
)
_PACKAGES = re.compile(r"(?<![\d.x×])(?<!\d,)(\d{1,3}(?:,\d{3})*|\d+)\s?" + _PACKAGE_WORDS + r"(?![A-Za-z])",
                       re.IGNORECASE)
_PACKAGES_COUNTER = re.compile(  # パレット 3 枚, 팔레트는 22개, pallets x 6
    r"(?:パレット|pallets?|plts?|팔레트|파레트|พาเลท|พาเลต|ケース|カートン|箱|박스|카톤|กล่อง)\s?(?:[은는이가도]\s?)?"
    r"(?:x\s?)?(\d{1,3}(?:,\d{3})*|\d+)\s?(?:枚|개|個|ケ|ใบ|กล่อง)",
    re.IGNORECASE,
)
_PALLET_WORD = re.compile(r"pallet|plt|skid|パレット|팔레트|파레트|팔렛|พาเลท|พาเลต", re.IGNORECASE)
_PIECE_WORD = re.compile(r"piece|pcs|unit|(?<!big\s)bag|sack|個|개|ชิ้น|ถุง|กระสอบ|袋|포대|台|ตัว", re.IGNORECASE)
_PACKAGES_AFTER_WORD = re.compile(  # 梱包：木箱 3, 荷姿 IBCタンク × 18基
    r"(?:木箱|クレート|ケース|カートン|パレット|crates?|cartons?|pallets?)[ ]?(?:×[ ]?)?(\d{1,5})(?![\d.,])"
    r"(?![ ]?(?:kg|cbm|m3|cm|mm|x|×|本|대|ตู้|t\b|トン))",
    re.IGNORECASE,
)
_TOTAL_WORD = re.compile(r"(?:total|in\stotal|รวม|합계|총|合計|計)\s?[:：]?\s?$", re.IGNORECASE)
_PACKAGES_LABEL = re.compile(
    r"(?:no\.?\s?of\s(?:packages|pkgs|cartons|pallets|pieces)|packages|pkgs|qty|quantity|pieces|"
    r"포장|수량|박스\s?수|個数|数量|梱包数|จำนวน(?:หีบห่อ|กล่อง)?)\s?[:：]\s?(\d{1,3}(?:,\d{3})+|\d{1,6})"
    r"(?!\s?(?:kg|cbm|x|\d))",
    re.IGNORECASE,
)

_COMMODITY_LABEL = re.compile(
    r"(?im)(?:commodity|goods|cargo(?:\sdescription)?|description(?:\sof\sgoods)?|item|product|contents?|"
    r"品名|品目|貨物|商品名?|内容|품목|품명|화물|상품명?|제품|สินค้า|ชนิดสินค้า|ประเภทสินค้า|รายการสินค้า)"
    r"[^\S\n]*[:：|][^\S\n]*(?P<value>[^\n]{2,80})$"
)

# Common goods in Korean/Japanese/Thai and their English names (the SPEC asks for English noun phrases).
_GOODS: tuple[tuple[str, str], ...] = (
    (r"자동차 부품|자동차부품|自動車部品|自動車用部品|ชิ้นส่วนรถยนต์|อะไหล่รถยนต์|อะไหล่รถ|auto\s?parts|"
     r"automotive\sparts|car\sparts", "auto parts"),
    (r"전자부품|전자 부품|電子部品|ชิ้นส่วนอิเล็กทรอนิกส์|อุปกรณ์อิเล็กทรอนิกส์|electronic\scomponents?|"
     r"electronic\sparts", "electronic components"),
    (r"가구|家具|เฟอร์นิเจอร์|furniture", "furniture"),
    (r"의류|衣類|アパレル|เสื้อผ้า|garments?|apparel|clothing", "garments"),
    (r"화장품|化粧品|เครื่องสำอาง|cosmetics", "cosmetics"),
    (r"식품|食品|อาหาร|food\s?stuffs?|food\sproducts", "food products"),
    (r"기계\s?부품|機械部品|機械用部品|ชิ้นส่วนเครื่องจักร|machine\sparts", "machine parts"),
    (r"기계|機械|เครื่องจักร|machinery|machines", "machinery"),
    (r"타이어|タイヤ|ยางรถยนต์|tires|tyres", "tires"),
    (r"ข้าวหอมมะลิ|jasmine\srice|hom\smali", "jasmine rice"),
    (r"쌀|精米|白米|ข้าวสาร|ข้าว(?!ของ)|rice", "rice"),
    (r"커피|コーヒー|กาแฟ|coffee", "coffee"),
    (r"철강|鉄鋼|เหล็ก|steel", "steel"),
    (r"수산물|水産物|อาหารทะเล|seafood", "seafood"),
    (r"과일|果物|ผลไม้|fruits?", "fruit"),
    (r"냉동|冷凍|แช่แข็ง|frozen", "frozen goods"),
    (r"화학|化学品|เคมี|chemicals?", "chemicals"),
    (r"플라스틱|プラスチック|พลาสติก|plastics?", "plastics"),
    (r"섬유|繊維|สิ่งทอ|textiles?", "textiles"),
    (r"종이|用紙|板紙|กระดาษ|paper", "paper"),
    (r"도서|書籍|หนังสือ|books", "books"),
    (r"신발|靴|รองเท้า|shoes|footwear", "footwear"),
    (r"가전|家電|เครื่องใช้ไฟฟ้า|home\sappliances|appliances", "home appliances"),
    (r"이삿짐|引越|ของใช้ในบ้าน|household\sgoods|personal\seffects", "household goods"),
    (r"와인|ワイン|ไวน์|wine", "wine"),
    (r"음료|飲料|เครื่องดื่ม|beverages?", "beverages"),
    (r"의약품|医薬品|เวชภัณฑ์|ยารักษาโรค|pharmaceuticals?|medicines?", "pharmaceuticals"),
    (r"반도체|半導体|เซมิคอนดักเตอร์|semiconductors?", "semiconductors"),
    (r"배터리|バッテリー|電池|แบตเตอรี่|batter(?:y|ies)", "batteries"),
    (r"목재|木材|ไม้แปรรูป|ไม้ยางพารา|timber|lumber", "timber"),
    (r"고무|ゴム|ยางพารา|rubber", "rubber"),
    (r"수지|樹脂|เม็ดพลาสติก|resin", "resin"),
    (r"냉동\s?새우|冷凍エビ|กุ้งแช่แข็ง|frozen\sshrimps?", "frozen shrimp"),
    (r"새우|エビ|海老|กุ้ง|shrimps?|prawns?", "shrimp"),
    (r"닭고기|닭|鶏肉|チキン|ไก่|chicken", "chicken"),
    (r"참치|マグロ|ツナ|ทูน่า|tuna", "tuna"),
    (r"오징어|イカ|ปลาหมึก|squid", "squid"),
    (r"연어|サーモン|鮭|แซลมอน|salmon", "salmon"),
    (r"소고기|쇠고기|牛肉|和牛|เนื้อวัว|beef|wagyu", "beef"),
    (r"돼지고기|豚肉|เนื้อหมู|pork", "pork"),
    (r"생선|鮮魚|ปลาสด|fish", "fish"),
    (r"두리안|ドリアン|ทุเรียน|durians?", "durian"),
    (r"망고스틴|マンゴスチン|มังคุด|mangosteens?", "mangosteen"),
    (r"망고|マンゴー|มะม่วง|mangoe?s?", "mangoes"),
    (r"바나나|バナナ|กล้วยหอม|กล้วย|bananas?", "bananas"),
    (r"코코넛|ココナッツ|มะพร้าว|coconuts?", "coconut"),
    (r"용안|竜眼|ลำไย|longans?", "longan"),
    (r"녹차|차류|お茶|緑茶|茶葉|ชาเขียว|ใบชา|ชาสมุนไพร|ชาไทย|\btea", "tea"),
    (r"설탕|砂糖|น้ำตาลทราย|sugar", "sugar"),
    (r"타피오카|タピオカ|มันสำปะหลัง|แป้งมัน|tapioca|cassava", "tapioca starch"),
    (r"라면|면류|ラーメン|麺類|บะหมี่|noodles", "instant noodles"),
    (r"과자|제과|菓子|おかし|confectionery|sweets", "confectionery"),
    (r"스낵|スナック|ขนม|snacks?", "snacks"),
    (r"소스|ソース|ซอส|sauces?", "sauce"),
    (r"맥주|ビール|เบียร์|beer", "beer"),
    (r"생수|ミネラルウォーター|น้ำดื่ม|bottled\swater|mineral\swater", "bottled water"),
    (r"강판|철판|鋼板|鋼材|鉄鋼|เหล็กแผ่น|เหล็กม้วน|steel\s(?:coils?|plates?|sheets?|pipes?)", "steel"),
    (r"알루미늄|アルミ|อลูมิเนียม|อะลูมิเนียม|alumin(?:i)?um", "aluminium"),
    (r"구리|동선|銅|ทองแดง|copper", "copper"),
    (r"파이프|배관|パイプ|鋼管|pipes?|pipe\sfittings?", "pipes"),
    (r"타일|タイル|กระเบื้อง|tiles?", "ceramic tiles"),
    (r"도자기|陶磁器|陶器|เซรามิก|ceramics?", "ceramics"),
    (r"유리|ガラス|กระจก|glass", "glass"),
    (r"석재|화강암|石材|御影石|หินแกรนิต|หินอ่อน|granite|marble", "granite"),
    (r"합판|合板|ไม้อัด|plywood", "plywood"),
    (r"우드\s?펠릿|木質ペレット|wood\spellets?", "wood pellets"),
    (r"페인트|塗料|สีทาบ้าน|paints?", "paint"),
    (r"비료|肥料|ปุ๋ย|fertili[sz]ers?", "fertilizer"),
    (r"시멘트|セメント|ปูนซีเมนต์|cement", "cement"),
    (r"공구|工具|เครื่องมือช่าง|tools", "tools"),
    (r"공작기계|工作機械|旋盤|เครื่องกลึง|cnc|lathes?", "CNC machine tools"),
    (r"오토바이|バイク|オートバイ|รถจักรยานยนต์|มอเตอร์ไซค์|motorcycles?|motorbikes?", "motorcycles"),
    (r"자전거|自転車|จักรยาน(?!ยนต์)|bicycles?|bikes", "bicycles"),
    (r"중고차|乗用車|中古車|รถยนต์มือสอง|used\scars?|passenger\scars?", "cars"),
    (r"태양광|ソーラーパネル|太陽光パネル|แผงโซลาร์|โซลาร์เซลล์|solar\spanels?|solar\smodules?", "solar panels"),
    (r"변압기|変圧器|หม้อแปลง|transformers?", "power transformer"),
    (r"케이블|전선|ケーブル|電線|สายไฟ|สายเคเบิล|cables?", "cables"),
    (r"전기기기|電気機器|อุปกรณ์ไฟฟ้า|electrical\sequipment", "electrical equipment"),
    (r"의료기기|医療機器|เครื่องมือแพทย์|medical\s(?:devices?|equipment)", "medical equipment"),
    (r"의료용품|医療用品|medical\ssupplies", "medical supplies"),
    (r"장갑|手袋|ถุงมือ|gloves", "gloves"),
    (r"스킨케어|スキンケア|skincare|skin\scare", "skincare cosmetics"),
    (r"원단|생지|生地|織物|ผ้าผืน|ผ้าม้วน|fabrics?", "fabric"),
    (r"원사|撚糸|เส้นด้าย|yarn", "yarn"),
    (r"면화|綿花|ฝ้าย|cotton", "cotton"),
    (r"포장재|包装資材|บรรจุภัณฑ์|packaging\smaterials?", "packaging materials"),
    (r"매트리스|マットレス|ที่นอน|mattress(?:es)?", "mattresses"),
    (r"장난감|완구|おもちゃ|玩具|ของเล่น|toys?", "toys"),
    (r"가방|バッグ|กระเป๋า|handbags?|bags", "bags"),
    (r"샘플|サンプル|ตัวอย่างสินค้า|samples?", "samples"),
    (r"건축자재|建材|วัสดุก่อสร้าง|construction\smaterials?|building\smaterials?", "construction materials"),
    (r"주방용품|キッチン用品|厨房用品|เครื่องครัว|kitchenware|cookware", "kitchenware"),
    (r"식기|食器|ภาชนะ|tableware", "tableware"),
    (r"엔진|エンジン|เครื่องยนต์|engines?", "engines"),
    (r"펌프|ポンプ|ปั๊ม|pumps?", "pumps"),
    (r"건어물|乾物|干し|อบแห้ง|dried", "dried food"),
    (r"통조림|缶詰|กระป๋อง|canned", "canned food"),
    (r"이삿짐|이사|引越|引っ越し|ย้ายบ้าน|removals?|relocat\w*|moving\s(?:to|from)|household", "household goods"),
    (r"향수|香水|น้ำหอม|perfumes?|fragrances?", "perfume"),
    (r"주얼리|귀금속|ジュエリー|宝飾|เครื่องประดับ|jewell?e?ry", "jewelry"),
    (r"건초|牧草|หญ้าแห้ง|\bhay\b|alfalfa|timothy", "hay"),
    (r"아몬드|アーモンド|อัลมอนด์|almonds?", "almonds"),
    (r"사과|りんご|リンゴ|แอปเปิ้ล|apples?", "apples"),
    (r"냉장고|세탁기|冷蔵庫|洗濯機|ตู้เย็น|เครื่องซักผ้า|refrigerators?|fridges?|washing\smachines?", "household appliances"),
    (r"불상|仏像|พระพุทธรูป|buddha", "Buddha statue"),
    (r"그림|회화|絵画|ภาพวาด|paintings?|artworks?", "paintings"),
    (r"น้ำปลา|피시소스|魚醤|fish\ssauce", "fish sauce"),
    (r"팜유|パーム油|น้ำมันปาล์ม|palm\soil", "palm oil"),
    (r"น้ำยางข้น|ラテックス|라텍스|latex", "concentrated latex"),
    (r"ยางแท่ง|ยางแผ่น|ยางก้อนถ้วย|ยางพารา|天然ゴム|천연고무|natural\srubber|STR\s?20|RSS\s?3", "natural rubber"),
    (r"มันเส้น|มันสำปะหลังเส้น|cassava\schips", "dried cassava chips"),
    (r"น้ำตาลทราย|น้ำตาลดิบ|raw\ssugar|white\ssugar", "sugar"),
    (r"ไม้สับ|ชีวมวล|木質ペレット|우드펠릿|wood\spellets?|biomass", "wood pellets"),
    (r"백신|ワクチン|วัคซีน|vaccines?", "vaccines"),
    (r"숯|木炭|ถ่าน|charcoal", "charcoal"),
    (r"활어|活魚|ปลามีชีวิต|ปลากัด|live\sfish|live\sseafood", "live fish"),
    (r"꽃|生花|花卉|ดอกไม้|ดอกกล้วยไม้|flowers?|orchids?", "flowers"),
    (r"에어컨|エアコン|เครื่องปรับอากาศ|air\sconditioners?", "air conditioners"),
    (r"지게차|フォークリフト|รถยก|forklifts?", "forklifts"),
    (r"아이스크림|アイスクリーム|ไอศกรีม|ice\scream", "ice cream"),
    (r"ผ้าทอ|ผ้าไหม|ผ้าฝ้าย|織物|직물|textiles?", "textiles"),
    (r"조미김|海苔|สาหร่าย|seaweed|laver", "seasoned laver"),
    (r"전복|アワビ|鮑|หอยเป๋าฮื้อ|abalone", "abalone"),
    (r"석고보드|石膏ボード|แผ่นยิปซัม|gypsum", "gypsum boards"),
    (r"발전기|発電機|เครื่องกำเนิดไฟฟ้า|generators?", "generator"),
    (r"프라모델|プラモデル|模型|model\skits?", "plastic model kits"),
    (r"전시물품|전시품|展示品|出展|ของจัดแสดง|exhibition|trade\sshow", "exhibition goods"),
    (r"구호물품|救援物資|สิ่งของบรรเทา|relief\sgoods", "relief goods"),
    (r"건강기능식품|サプリメント|อาหารเสริม|supplements?", "dietary supplements"),
    (r"잡화|雑貨|สินค้าทั่วไป|general\smerch\w*|general\scargo", "general merchandise"),
    (r"제어반|制御盤|ตู้ควบคุม|control\spanels?", "control panels"),
    (r"침대|ベッド|เตียง|beds", "beds"),
    (r"골판지|corrugated\s(?:board|paper|cardboard)", "corrugated cardboard"),  # 段ボール is the packing
    (r"필름|フィルム|ฟิล์ม|films?", "plastic film"),
    (r"로봇|ロボット|หุ่นยนต์|robots?", "robots"),
    (r"향신료|スパイス|香辛料|เครื่องเทศ|spices?", "spices"),
    (r"안경|眼鏡|แว่นตา|eyeglass(?:es)?|spectacles?", "eyeglass frames"),
    (r"인버터|インバーター|อินเวอร์เตอร์|inverters?", "inverters"),
    (r"양모|羊毛|ขนแกะ|wool", "wool"),
    (r"사료|飼料|อาหารสัตว์|animal\sfeed|pet\sfood", "animal feed"),
    (r"자동차|自動車|รถยนต์", "auto parts"),
    (r"계측기|측정기|測定器|計測器|เครื่องมือวัด|measuring\sinstruments?", "measuring instruments"),
    (r"부품|部品|ชิ้นส่วน|อะไหล่|spare\sparts|parts", "spare parts"),
)


_ONWARD_BEFORE = re.compile(
    r"(?:then|inland|door|onward|on[\s-]?carriage|after\sarrival|\+|or|ต่อ|แล้วต่อ|이후|도착\s?후|내륙|後|以降|から先)"
    r"[^\n]{0,20}$", re.IGNORECASE)
_ONWARD_AFTER = re.compile(r"^[^\n]{0,12}(?:inland|ramp|on[\s-]?carriage|구간|도 같이)", re.IGNORECASE)


def find_mode(text: str) -> tuple[str | None, str | None]:
    """The mode of the main leg the text names, and the word it came from (onward trucking or rail after a sea
    leg - "then truck to Amarillo", "rail ramp", "도착 후 배송" - does not decide it)."""
    for mode, pattern in _MODES:
        for m in re.finditer(pattern, text, re.IGNORECASE):
            onward = mode in ("road", "rail") and (
                _ONWARD_BEFORE.search(text[max(0, m.start() - 30):m.start()])
                or _ONWARD_AFTER.match(text[m.end():m.end() + 16]))
            if not onward:
                return mode, m.group(0)
    return None, None


def find_incoterm(text: str) -> tuple[str | None, str | None]:
    """The first Incoterm (C&F/CNF read as CFR, DDU as DAP)."""
    m = _INCOTERM.search(text) or _INCOTERM_LOWER.search(text)
    if not m:
        return None, None
    term = m.group(1).upper()
    return {"C&F": "CFR", "CNF": "CFR", "DDU": "DAP"}.get(term, term), m.group(0)


_PACKAGES_WORD_LABEL = re.compile(
    r"(?:cartons|ctns|pallets|plts|boxes|cases|pieces|pcs|packages|pkgs|박스|팔레트|카톤|カートン|パレット|ケース|"
    r"กล่อง|พาเลท)\s?[:：]\s?(\d{1,6})(?![\d.,]|\s?(?:kg|cbm|x))",
    re.IGNORECASE,
)
_PACKAGES_KO = re.compile(
    r"(?:롤|캔|박스|상자|팔레트|파레트|포대|드럼|케이스|카톤|자루|봉지|묶음|번들|롤|코일|톤백|백|병|pallet|box|ctn)\s?"
    r"(\d{1,3}(?:,\d{3})*|\d+)\s?개",
    re.IGNORECASE,
)


_PER_CONTAINER_PACKAGES = re.compile(
    r"^[^\n]{0,3}(?:per\s(?:container|box|cntr|unit)|each|/\s?(?:container|cntr|ctr|本|ตู้)|씩)", re.IGNORECASE)
_PER_CONTAINER_BEFORE = re.compile(
    r"(?:ตู้ละ|1本あたり|本あたり|대당|컨테이너당|per\scontainer|each\scontainer)[^\n]{0,6}$", re.IGNORECASE)
_CHANGED_COUNT = re.compile(r"^\s?(?:→|->|⇒|=>|에서|から|เป็น)\s?(\d{1,3}(?:,\d{3})+|\d{1,6})")
_VEHICLE_WORD = re.compile(r"คัน|台|대의", re.IGNORECASE)


def find_packages(text: str, containers: int = 0) -> tuple[int | None, str | None]:
    """The number of pieces/cartons/pallets: a labelled count, else the best count with a package word; a count
    per container is multiplied by the containers, a changed count ("6개 → 16개") is the new one."""
    m = _PACKAGES_LABEL.search(text) or _PACKAGES_WORD_LABEL.search(text)
    if m and _PIECE_WORD.match(text[m.end():m.end() + 8].strip()) and (_PACKAGES.search(text[m.end():])):
        m = None  # "Quantity: 800 bags on 20 pallets": the pallets are the packages
    if not m:
        found = [*_PACKAGES.finditer(text), *_PACKAGES_COUNTER.finditer(text), *_PACKAGES_KO.finditer(text),
                 *_PACKAGES_AFTER_WORD.finditer(text)]
        if not found:
            return None, None
        m = min(found, key=lambda f: (_package_rank(text, f), f.start()))
    n = int(m.group(1).replace(",", ""))
    changed = _CHANGED_COUNT.match(text[m.end():m.end() + 16])
    if changed:
        n = int(changed.group(1).replace(",", ""))
    elif containers > 1 and (_PER_CONTAINER_PACKAGES.match(text[m.end():m.end() + 20])
                             or _PER_CONTAINER_BEFORE.search(text[max(0, m.start() - 16):m.start()])):
        n *= containers
    return (n, m.group(0)) if 0 < n < 1_000_000 else (None, None)


def _package_rank(text: str, m: re.Match[str]) -> int:
    """Which count names the shipping units: a stated total, then pallets, then cartons/boxes, then pieces."""
    word = m.group(0)
    if _VEHICLE_WORD.search(word):
        return 4  # "1 คันรถ 10 ล้อ / 850 ลัง": the truck is not a package
    if _PIECE_WORD.search(word):
        return 3
    if _TOTAL_WORD.search(text[max(0, m.start() - 12):m.start()]):
        return 0
    return 1 if _PALLET_WORD.search(word) else 2


def find_commodity(text: str) -> tuple[str | None, str | None]:
    """A short English noun phrase for the goods: a labelled value (translated when we know the words)."""
    text = _NEGATED.sub(" ", text)
    m = _COMMODITY_LABEL.search(text)
    if m and "|" not in m["value"]:
        value = m["value"]
        latin = re.sub(r"\([^)]*\)|（[^）]*）", "", value)
        latin = re.split(r"[,;/|]|\s-\s", latin)[0].strip(" .")
        if latin and re.fullmatch(r"[A-Za-z][A-Za-z0-9 &'-]{1,60}", latin) and latin.lower() not in _LABEL_JUNK:
            return latin.lower(), value
        english = _translate(re.sub(r"\([^)]*\)|（[^）]*）", "", value))
        if english:
            return english, value
    english = _translate(text)
    if english:
        return english, english
    found = _english_goods(text)
    return found if found else (None, None)


_EN_STOP = (r"(?:from|to|ex|via|for|at|in|on|into|by|with|per|and\s(?:then|we|i|the)|which|that|please|pls|asap|"
            r"ready|loading|fob|cif|exw|fca|cfr|dap|ddp|cpt|cip|about|approx|around|total|each|weighing|non|is|are|"
            r"be|was|were|will|can|could|would|should|instead|option|size|next|this|right|now|week|month|rate|"
            r"price|quote|cbm|kg|kgs|lbs|we|i|you|it|our|your|their|the|a|an|hi|dear|hello|detail|details)\b")
_PHRASE = r"(?!" + _EN_STOP + r")([a-z][a-z-]+(?:[ ](?!" + _EN_STOP + r")[a-z][a-z-]+){0,4})"
_EN_GOODS = [
    # "3 pallets of food flavoring raw material", "40 boxes of ...", "One 40' HC of pet food bowls"
    re.compile(r"\b(?:(?:pallets?|plts?|cartons?|ctns?|boxes|cases|crates|bags|sacks|drums|bales|rolls|coils|units?|"
               r"pcs|pieces|containers?)[ ]of|(?:20|40|45)[ ]?'?[ ]?(?:hc|hq|gp|rf|ft|dv|dc|std)?[ ]of)[ ]" + _PHRASE,
               re.IGNORECASE),
    # "1x40RF garlic Qingdao", "2 x 40HC lubricant oil"
    re.compile(r"\d[ ]?[xX][ ]?(?:20|40|45)[ ]?'?[ ]?(?:HC|HQ|GP|RF|DV|DC|hc|hq|gp|rf)[ ]" + _PHRASE),
    # "we export fresh cut orchids", "I'm bringing in 6 commercial espresso grinders", "a rate for bike frames"
    re.compile(r"\b(?:(?:[Ww]e|I)[ ](?:export|import|make|sell|produce)|bringing[ ]in|rate[ ]for|quote[ ]for|"
               r"price[ ]for|to[ ]ship)[ ]"
               r"(?:some[ ]|\d+[ ])?" + _PHRASE),
]
_NEGATED = re.compile(r"[（(][^)）]{0,40}(?:なし|無し|없음|미포함|별도|ไม่มี|ไม่ใช่|non-?|\bno\s|without|\bnot\s)"
                      r"[^)）]{0,40}[)）]", re.IGNORECASE)
_LABEL_JUNK = frozenset({"details", "detail", "description", "n/a", "tbc", "tba", "see attached", "various"})
_EN_NOT_GOODS = re.compile(r"^(?:cargo|goods|shipment|container|containers|freight|booking|one|two|lcl|fcl|air|sea|"
                           r"truck|new|same|full|first|second|more|another|other)$")


def _english_goods(text: str) -> tuple[str, str] | None:
    """A goods phrase written in English around counts and verbs ("3 pallets of X", "we export X")."""
    for pattern in _EN_GOODS:
        for m in pattern.finditer(text):
            phrase = m.group(1).strip(" -").lower()
            words = phrase.split()
            while words and _EN_NOT_GOODS.match(words[0]):
                words.pop(0)
            if words and not all(_EN_NOT_GOODS.match(w) for w in words) and len(" ".join(words)) >= 3:
                return " ".join(words), m.group(0)
    return None


def _translate(value: str) -> str | None:
    """The English name of the goods named first in `value` (as written, with its modifiers, when in English)."""
    best: tuple[int, int, str, re.Match[str]] | None = None
    for pattern, english in _GOODS:
        m = re.search(r"(?<![A-Za-z])(?:" + pattern + r")(?![a-z])", value, re.IGNORECASE)
        if m and (best is None or (m.start(), -len(m.group(0))) < (best[0], best[1])):
            best = (m.start(), -len(m.group(0)), english, m)
    if best is None:
        return None
    match = best[3]
    if re.fullmatch(r"[A-Za-z][A-Za-z -]*", match.group(0)):
        return _english_span(value, match.start(), match.end()) or best[2]
    return best[2]


_SPAN_STOP_WORDS = """of export import exports imports ship ships send book move need needs want quote buy sell
and or some any all x"""
_SPAN_STOP = frozenset(_SPAN_STOP_WORDS.split())
_HEAD_NOUN_WORDS = """parts products goods rolls bales packs sets frames modules panels materials equipment
machines supplies accessories components kits units sheets coils boards tools fittings"""
_HEAD_NOUNS = frozenset(_HEAD_NOUN_WORDS.split())


def _english_span(text: str, start: int, end: int) -> str | None:
    """The English noun phrase around a goods word: up to three modifiers before it and one head noun after."""
    line_start = text.rfind("\n", 0, start) + 1
    before = re.findall(r"[A-Za-z][A-Za-z-]*|[^A-Za-z\s]+", text[max(line_start, start - 40):start])
    words: list[str] = []
    for w in reversed(before[-3:]):
        if not w.islower() or re.fullmatch(_EN_STOP, w, re.IGNORECASE) or _EN_NOT_GOODS.match(w) or \
                w in _SPAN_STOP or re.fullmatch(_PACKAGE_WORDS, w):
            break  # punctuation, a capital, a stop word: the phrase starts after it
        words.insert(0, w)
    after = re.match(r"[ ]([a-z]+)", text[end:end + 20])
    phrase = " ".join([*words, text[start:end].lower()])
    if after and after.group(1) in _HEAD_NOUNS:
        phrase += " " + after.group(1)
    return phrase if phrase.strip() else None
