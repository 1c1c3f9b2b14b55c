//! Product facts (产品详情/搭配/活动表) through the public API, at a fixed time: a
//! product named by name, alias or item link becomes the session's product; templates
//! read its row; a missing fact falls back to the generic variants; broken `products:`
//! tables fail with located problems.

use kefu::{Engine, ErrorKind, ReplyKind, Session};
use std::time::SystemTime;

const APPAREL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml");

fn apparel() -> Engine {
    Engine::from_path(APPAREL).unwrap_or_else(|e| panic!("{e}"))
}

/// A fixed time outside the file's promotions and reminders.
fn now() -> SystemTime {
    "2026-10-08T10:00:00+08:00"
        .parse::<jiff::Timestamp>()
        .map(Into::into)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A session past its greeting, so replies are the answer alone.
fn greeted(e: &Engine, id: &str) -> Session {
    let mut s = Session::new(id);
    let r = e.reply_at(&mut s, "在吗", now());
    assert_eq!(r.kind(), ReplyKind::Greeting);
    s
}

/// No template slot was left unfilled or empty.
fn assert_whole(text: &str) {
    assert!(!text.contains('{') && !text.contains('}'), "{text}");
    assert!(
        !text.contains("的面料是哦") && !text.contains("：～"),
        "{text}"
    );
}

#[test]
fn a_product_named_in_a_question_answers_from_its_row() {
    let e = apparel();
    let mut s = greeted(&e, "b1");
    let r = e.reply_at(&mut s, "这件羊毛大衣什么面料", now());
    assert_eq!(r.topic(), Some("material"));
    assert_eq!(r.product().map(|p| p.id()), Some("p1001"));
    assert_eq!(
        r.text(),
        "亲，羊毛双面呢大衣的面料是外层95%绵羊毛+5%羊绒的双面呢，无里衬，厚实挺括不扎人哦～小衣自己也很喜欢这款的手感😊"
    );
    assert_eq!(s.current_product(), Some("p1001"));
    // Later questions are about the same product, and keep answering from its row.
    let r = e.reply_at(&mut s, "怎么洗", now());
    assert_eq!(r.topic(), Some("care"));
    assert!(r.text().contains("建议专业干洗"), "{}", r.text());
    let r = e.reply_at(&mut s, "怎么搭配", now());
    assert!(
        r.text()
            .contains("推荐搭配高领针织打底衫、高腰直筒牛仔裤、马丁短靴"),
        "{}",
        r.text()
    );
    let r = e.reply_at(&mut s, "有活动吗", now());
    assert!(r.text().contains("领券立减50元"), "{}", r.text());
    let r = e.reply_at(&mut s, "尺码表发我看看", now());
    assert_eq!(r.topic(), Some("size_chart"));
    assert!(
        r.text()
            .contains("S码 155-160cm/85-95斤/衣长100cm；M码 160-165cm/95-105斤/衣长102cm"),
        "{}",
        r.text()
    );
}

#[test]
fn a_missing_fact_falls_back_to_the_topics_generic_reply() {
    let e = apparel();
    // p1004 has no care instructions, p1002 no promotion.
    for (product, question, topic, generic) in [
        ("针织开衫", "怎么洗", "care", "洗"),
        ("真丝衬衫", "有优惠吗", "discount", "亲"),
        ("针织开衫", "模特多高", "model_size", "详情页首图"),
    ] {
        let mut s = greeted(&e, "b2");
        e.reply_at(&mut s, product, now());
        for _ in 0..4 {
            let r = e.reply_at(&mut s, question, now());
            assert_eq!(r.topic(), Some(topic));
            assert!(r.product().is_some());
            assert!(!r.text().contains(product), "{product}: {}", r.text());
            assert!(r.text().contains(generic), "{}", r.text());
            assert_whole(r.text());
        }
    }
    // No product at all: only generic variants, rotating.
    let mut s = greeted(&e, "b3");
    let texts: Vec<String> = (0..6)
        .map(|_| e.reply_at(&mut s, "什么面料", now()).into_text())
        .collect();
    for t in &texts {
        assert!(!t.contains("羊毛双面呢大衣"), "{t}");
        assert_whole(t);
    }
    assert_ne!(texts[0], texts[1]);
}

#[test]
fn a_size_question_picks_the_row_of_the_products_chart() {
    let e = apparel();
    let mut s = greeted(&e, "b4");
    e.reply_at(&mut s, "羊毛大衣有货吗", now());
    let r = e.reply_at(&mut s, "身高162 体重100斤穿什么码", now());
    assert_eq!(r.topic(), Some("size_advice"));
    assert!(
        r.text()
            .starts_with("亲，按羊毛双面呢大衣的尺码表，您穿M码正合适哦～"),
        "{}",
        r.text()
    );
    // Weight in kg, on a chart written in kg.
    let r = e.reply_at(&mut s, "那牛仔裤呢 47kg穿多大", now());
    assert_eq!(r.product().map(|p| p.id()), Some("p1003"));
    assert!(r.text().contains("您穿26码正合适"), "{}", r.text());
    // Nothing on the chart fits: the generic size advice, never an empty size.
    let mut s = greeted(&e, "b5");
    e.reply_at(&mut s, "牛仔裤", now());
    let r = e.reply_at(&mut s, "我90kg穿什么码", now());
    assert_eq!(r.topic(), Some("size_advice"));
    assert!(!r.text().contains("正合适"), "{}", r.text());
    assert_whole(r.text());
}

#[test]
fn item_links_name_products_and_unknown_items_clear_the_product() {
    let e = apparel();
    let mut s = greeted(&e, "b6");
    let r = e.reply_at(
        &mut s,
        "https://item.taobao.com/item.htm?id=634567890123",
        now(),
    );
    assert_eq!(r.topic(), Some("product_link"));
    assert_eq!(r.product().map(|p| p.name()), Some("真丝印花衬衫"));
    assert!(
        r.text()
            .contains("看到您发的真丝印花衬衫啦～喜欢的话可以放心拍哦"),
        "{}",
        r.text()
    );
    // A link to an item the table does not list: no product any more.
    let r = e.reply_at(
        &mut s,
        "https://detail.tmall.com/item.htm?id=11111111111 什么面料",
        now(),
    );
    assert_eq!(r.topic(), Some("material"));
    assert!(r.product().is_none());
    assert_eq!(s.current_product(), None);
    assert!(!r.text().contains("真丝"), "{}", r.text());
    // A short share link, and a later name in the same message wins over it.
    let r = e.reply_at(
        &mut s,
        "https://m.tb.cn/h.gK8vQ2x?tk=x 和牛仔裤怎么搭",
        now(),
    );
    assert_eq!(r.product().map(|p| p.id()), Some("p1003"));
    let r = e.reply_at(
        &mut s,
        "牛仔裤和 https://m.tb.cn/h.gK8vQ2x?tk=x 怎么搭",
        now(),
    );
    assert_eq!(r.product().map(|p| p.id()), Some("p1001"));
}

#[test]
fn keywords_inside_a_product_name_are_part_of_the_name() {
    let e = apparel();
    let mut s = greeted(&e, "b7");
    // 真丝 (a material keyword) is inside 真丝衬衫: the question is about shipping.
    let r = e.reply_at(&mut s, "真丝衬衫发货快吗", now());
    assert_eq!(r.topic(), Some("ship_time"));
    assert!(
        r.hits().iter().all(|h| h.topic != "material"),
        "{:?}",
        r.hits()
    );
    // Alone, 真丝 is still a material question.
    assert_eq!(
        e.reply_at(&mut s, "是真丝的吗", now()).topic(),
        Some("material")
    );
}

#[test]
fn the_product_is_kept_in_the_session_and_unknown_ids_are_ignored() {
    let e = apparel();
    let mut s = greeted(&e, "b8");
    e.reply_at(&mut s, "羊毛大衣", now());
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains(r#""product":"p1001""#), "{json}");
    let mut back: Session = serde_json::from_str(&json).unwrap();
    let r = e.reply_at(&mut back, "什么面料", now());
    assert!(r.text().contains("羊毛双面呢大衣"), "{}", r.text());

    // A session saved under rules that listed another product.
    let old = json.replace("p1001", "p0999");
    let mut old: Session = serde_json::from_str(&old).unwrap();
    let r = e.reply_at(&mut old, "什么面料", now());
    assert_eq!(r.topic(), Some("material"));
    assert!(r.product().is_none());
    assert_whole(r.text());
    // Sessions saved before products existed still load.
    let older: Session = serde_json::from_str(r#"{"id":"x","turns":2}"#).unwrap();
    assert_eq!(older.current_product(), None);

    // A host that knows which item the buyer is looking at.
    let mut s = greeted(&e, "b9");
    assert!(s.set_current_product(Some("p1002")));
    let r = e.reply_at(&mut s, "怎么洗", now());
    assert!(r.text().contains("真丝专用洗涤剂"), "{}", r.text());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["product"], "p1002");
}

#[test]
fn the_engine_lists_its_products() {
    let e = apparel();
    let ids: Vec<&str> = e.products().map(|p| p.id()).collect();
    assert_eq!(ids, vec!["p1001", "p1002", "p1003", "p1004"]);
    let jeans = e.product("p1003").unwrap();
    assert_eq!(jeans.name(), "高腰直筒牛仔裤");
    assert_eq!(
        jeans.aliases().collect::<Vec<_>>(),
        vec!["直筒牛仔裤", "高腰牛仔裤", "牛仔裤"]
    );
    assert_eq!(jeans.item_ids().collect::<Vec<_>>(), vec!["645678901234"]);
    assert_eq!(
        jeans.attr("matching"),
        Some("羊毛双面呢大衣、白色基础款T恤")
    );
    assert_eq!(
        jeans.attr("model"),
        Some("身高170cm、体重100斤，穿的是26码")
    );
    assert_eq!(
        jeans.attr("care"),
        Some("冷水反面机洗，第一次单独洗，深色有少许浮色属于正常")
    );
    assert_eq!(jeans.attr("size"), None);
    assert_eq!(jeans.attr("thickness"), None);
    assert_eq!(jeans.size_for(None, Some(108)), Some("27"));
    assert_eq!(jeans.rule_path(), "products[2]");
    assert!(jeans.location().is_some_and(|l| l.line > 1));
    assert!(e.product("p9").is_none());
}

#[test]
fn the_products_table_counts_in_the_engines_heap() {
    let base = r#"
shop: { name: 店 }
first_reply: { greeting: ["您好"] }
presale:
  - { topic: material, keywords: [面料], reply: ["详情页有写"] }
fallback: { reply: ["稍等"], handoff_after: 0 }
"#;
    let fabric = "羊毛".repeat(2_000);
    let with = format!("{base}products:\n  - {{ id: p1, name: 羊毛大衣, fabric: {fabric} }}\n");
    let plain = Engine::from_yaml_str(base).unwrap_or_else(|e| panic!("{e}"));
    let stocked = Engine::from_yaml_str(&with).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        stocked.heap_bytes() >= plain.heap_bytes() + fabric.len(),
        "{} vs {}",
        stocked.heap_bytes(),
        plain.heap_bytes()
    );
}

#[test]
fn the_files_tests_can_expect_a_product() {
    let e = Engine::from_yaml_str(
        "shop: {name: s}
first_reply: {greeting: [hi]}
presale:
  - {topic: material, keywords: [面料], reply: ['面料看详情页', '{product.name}:{product.fabric}']}
products:
  - {id: p1, name: 羊毛大衣, fabric: 羊毛}
  - {id: p2, name: 牛仔裤}
tests:
  - {says: 羊毛大衣什么面料, expect: material, product: p1}
  - {says: 羊毛大衣什么面料, expect: material, product: p2}
fallback: {reply: ['?'], handoff_after: 0}
",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let report = e.run_tests_at(now());
    let failures: Vec<String> = report.failures().map(ToString::to_string).collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("(product expected p2, got p1)"),
        "{}",
        failures[0]
    );
}

/// (name, YAML after the three head lines, kind, line, column, rule path, message part)
type Broken = (
    &'static str,
    &'static str,
    ErrorKind,
    u32,
    u32,
    &'static str,
    &'static str,
);

const HEAD: &str = "shop: {name: 衣见, agent: 小衣}
first_reply: {greeting: ['亲,欢迎光临{shop}']}
fallback: {reply: ['亲,稍等'], handoff_after: 0}
";

#[rustfmt::skip]
const BROKEN: &[Broken] = &[
    ("duplicate product id",
     "products:\n  - {id: p1, name: 大衣}\n  - {id: p1, name: 衬衫}\n",
     ErrorKind::InvalidProduct, 6, 10, "products[1].id", "duplicate product id, first used by product 'p1' (products[0] at line 5)"),
    ("invalid product id",
     "products:\n  - {id: 'p 1', name: 大衣}\n",
     ErrorKind::InvalidProduct, 5, 10, "products[0].id", "invalid product id 'p 1'"),
    ("missing id",
     "products:\n  - {name: 大衣}\n",
     ErrorKind::MissingKey, 5, 5, "products[0]", "missing key 'id'"),
    ("empty name",
     "products:\n  - {id: p1, name: ' '}\n",
     ErrorKind::InvalidProduct, 5, 20, "products[0].name", "product name is empty"),
    ("missing name",
     "products:\n  - {id: p1}\n",
     ErrorKind::MissingKey, 5, 5, "products[0]", "missing key 'name'"),
    ("alias of another product",
     "products:\n  - {id: p1, name: 羊毛大衣, aliases: [大衣]}\n  - {id: p2, name: 羊绒大衣, aliases: ['大 衣']}\n",
     ErrorKind::InvalidProduct, 6, 36, "products[1].aliases[0]", "'大 衣' is already the name or an alias of product 'p1' (products[0] at line 5)"),
    ("alias that is noise only",
     "products:\n  - {id: p1, name: 大衣, aliases: ['!!']}\n",
     ErrorKind::EmptyKeyword, 5, 34, "products[0].aliases[0]", "keyword '!!' is empty after normalization"),
    ("bad item id",
     "products:\n  - {id: p1, name: 大衣, item_ids: ['https://item.taobao.com/item.htm?id=1234567']}\n",
     ErrorKind::InvalidProduct, 5, 35, "products[0].item_ids[0]", "invalid item id 'https://item.taobao.com/item.htm?id=1234567'; write the digits after id="),
    ("item id of another product",
     "products:\n  - {id: p1, name: 大衣, item_ids: ['623456789012']}\n  - {id: p2, name: 衬衫, item_ids: [623456789012]}\n",
     ErrorKind::InvalidProduct, 6, 35, "products[1].item_ids[0]", "item id '623456789012' is already listed by product 'p1'"),
    ("empty fabric",
     "products:\n  - {id: p1, name: 大衣, fabric: ''}\n",
     ErrorKind::InvalidProduct, 5, 32, "products[0].fabric", "value is empty"),
    ("weight without unit",
     "products:\n  - id: p1\n    name: 大衣\n    size_chart:\n      - {size: M, height: 160-165, weight: 95-105}\n",
     ErrorKind::InvalidProduct, 8, 44, "products[0].size_chart[0].weight", "weight range '95-105' needs a unit"),
    ("range ending below its start",
     "products:\n  - id: p1\n    name: 大衣\n    size_chart:\n      - {size: M, height: 165-160}\n",
     ErrorKind::InvalidProduct, 8, 27, "products[0].size_chart[0].height", "range '165-160' ends below its start"),
    ("size listed twice",
     "products:\n  - id: p1\n    name: 大衣\n    size_chart:\n      - {size: M}\n      - {size: M}\n",
     ErrorKind::InvalidProduct, 9, 16, "products[0].size_chart[1].size", "size 'M' is listed twice"),
    ("row without size",
     "products:\n  - id: p1\n    name: 大衣\n    size_chart:\n      - {height: 160-165}\n",
     ErrorKind::MissingKey, 8, 9, "products[0].size_chart[0]", "missing key 'size'"),
    ("attrs key with a fixed meaning",
     "products:\n  - {id: p1, name: 大衣, attrs: {fabric: 羊毛}}\n",
     ErrorKind::InvalidProduct, 5, 40, "products[0].attrs.fabric", "attribute name 'fabric' must be [a-z_][a-z0-9_]* and not one of id, name"),
    ("unknown key in a product",
     "products:\n  - {id: p1, name: 大衣, fabrik: 羊毛}\n",
     ErrorKind::UnknownKey, 5, 24, "products[0]", "unknown key 'fabrik'; known keys: id, name, aliases, item_ids, fabric"),
    ("template names an attribute no product has",
     "presale:\n  - {topic: a, keywords: [面料], reply: [x, '{product.fabirc}']}\nproducts:\n  - {id: p1, name: 大衣, fabric: 羊毛}\n",
     ErrorKind::InvalidTemplate, 5, 43, "presale[0].reply[1]", "unknown product attribute {product.fabirc}: no product defines it; known: id, name, fabric"),
    ("template names a product without a products table",
     "presale:\n  - {topic: a, keywords: [面料], reply: [x, '{product.fabric}']}\n",
     ErrorKind::InvalidTemplate, 5, 43, "presale[0].reply[1]", "{product.fabric} names a product attribute, but the file has no products: table"),
    ("size without height or weight captures",
     "presale:\n  - {topic: a, keywords: [尺码], reply: [x, '{product.size}']}\nproducts:\n  - {id: p1, name: 大衣, size_chart: [{size: M, height: 160-165}]}\n",
     ErrorKind::InvalidTemplate, 5, 43, "presale[0].reply[1]", "{product.size} needs a pattern with a capture group named height or weight"),
    ("every variant needs a product",
     "presale:\n  - {topic: a, keywords: [面料], reply: ['{product.fabric}', '{product.name}']}\nproducts:\n  - {id: p1, name: 大衣, fabric: 羊毛}\n",
     ErrorKind::InvalidTemplate, 5, 40, "presale[0].reply", "every variant reads a product attribute; add one that does not"),
    ("promotion text needs a product",
     "products:\n  - {id: p1, name: 大衣, promotion: 立减50}\nfirst_reply:\n  greeting: [hi]\n  promotions: [{id: d, from: '2026-11-01 00:00', until: '2026-11-02 00:00', text: '{product.promotion}'}]\n",
     ErrorKind::InvalidTemplate, 8, 83, "first_reply.promotions[0].text", "this text reads a product attribute without a default"),
    ("test expects an unknown product",
     "presale:\n  - {topic: a, keywords: [面料], reply: [x]}\nproducts:\n  - {id: p1, name: 大衣}\ntests:\n  - {says: 大衣面料, expect: a, product: p2}\n",
     ErrorKind::InvalidProduct, 9, 38, "tests[0].product", "test expects unknown product 'p2'"),
];

#[test]
fn broken_product_tables_fail_with_located_problems() {
    let mut failures = Vec::new();
    for (name, body, kind, line, col, path, says) in BROKEN {
        // A case may restate first_reply: the later key is the one it means.
        let head = if body.contains("first_reply:") {
            HEAD.replace(
                "first_reply: {greeting: ['亲,欢迎光临{shop}']}\n",
                "# first_reply below\n",
            )
        } else {
            HEAD.to_owned()
        };
        let text = format!("{head}{body}");
        let err = match Engine::builder().build_named(&text, Some("p.yaml")) {
            Ok(_) => {
                failures.push(format!("{name}: loaded"));
                continue;
            }
            Err(e) => e,
        };
        let p = &err.problems()[0];
        let got = (
            p.kind(),
            p.location().map(|l| (l.line, l.column)),
            p.rule_path().unwrap_or(""),
        );
        if got != (*kind, Some((*line, *col)), *path) || !p.message().contains(says) {
            failures.push(format!("{name}: got {got:?}\n  {err}"));
            continue;
        }
        let first = err.to_string();
        let first = first.lines().next().unwrap_or("");
        let want = format!("p.yaml:{line}:{col}: ");
        if !(first.starts_with(&want) && first.ends_with(&format!(" ({path})"))) {
            failures.push(format!("{name}: printed {first}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
