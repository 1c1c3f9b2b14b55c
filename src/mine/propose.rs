//! From a draft to a proposal a person can read and the engine can load: its section,
//! topic id, name, reply template (never with masked data) and test examples.

use super::cluster::{Draft, Pair, Replies, Term, REPLY_TURNS};
use super::text::{has_placeholder, one_line, reply_key, without_placeholders};
use crate::Section;
use std::collections::{HashMap, HashSet};

/// Shortest template, in normalized chars: shorter replies (好的, 稍等, 亲) are
/// acknowledgements, not answers.
pub(crate) const MIN_TEMPLATE_CHARS: usize = 6;
/// Longest topic id (the rule format's limit).
const MAX_TOPIC_BYTES: usize = 32;

/// Common e-commerce words and the English slug a topic id is made of: the first
/// entry found in a proposal's keywords (then its template) names it. Longer words
/// come before the words they contain.
const SLUGS: &[(&str, &str)] = &[
    ("运费险", "return_insurance"),
    ("退差价", "price_diff"),
    ("价格保护", "price_protect"),
    ("价保", "price_protect"),
    ("差价", "price_diff"),
    ("优惠券", "coupon"),
    ("京东卡", "gift_card"),
    ("礼品卡", "gift_card"),
    ("购物卡", "gift_card"),
    ("e卡", "gift_card"),
    ("发票", "invoice"),
    ("开票", "invoice"),
    ("抬头", "invoice_title"),
    ("保修", "warranty"),
    ("质保", "warranty"),
    ("维修", "repair"),
    ("返修", "repair"),
    ("安装", "install"),
    ("退款", "refund"),
    ("退货", "return"),
    ("换货", "exchange"),
    ("售后", "aftersale"),
    ("物流", "logistics"),
    ("快递", "courier"),
    ("配送", "delivery"),
    ("送货", "delivery"),
    ("自提", "pickup_point"),
    ("取件", "pickup"),
    ("上门", "pickup"),
    ("签收", "signed"),
    ("拒收", "refuse_delivery"),
    ("发货", "shipping"),
    ("到货", "arrival"),
    ("缺货", "out_of_stock"),
    ("有货", "stock"),
    ("库存", "stock"),
    ("预约", "booking"),
    ("预售", "presale"),
    ("定金", "deposit"),
    ("地址", "address"),
    ("取消", "cancel"),
    ("拦截", "intercept"),
    ("订单", "order"),
    ("付款", "payment"),
    ("支付", "payment"),
    ("白条", "credit"),
    ("分期", "installment"),
    ("余额", "balance"),
    ("到账", "refund_arrival"),
    ("提现", "withdraw"),
    ("充值", "top_up"),
    ("优惠", "discount"),
    ("便宜", "discount"),
    ("价格", "price"),
    ("多少钱", "price"),
    ("赠品", "gift"),
    ("积分", "points"),
    ("京豆", "points"),
    ("会员", "member"),
    ("评价", "review"),
    ("晒单", "review"),
    ("投诉", "complaint"),
    ("破损", "damaged"),
    ("坏了", "broken"),
    ("质量", "quality"),
    ("正品", "authentic"),
    ("尺码", "size"),
    ("颜色", "color"),
    ("型号", "model"),
    ("参数", "specs"),
    ("说明书", "manual"),
    ("使用", "usage"),
    ("激活", "activation"),
    ("保质期", "shelf_life"),
    ("过期", "expiry"),
    ("生产日期", "production_date"),
    ("账号", "account"),
    ("账户", "account"),
    ("密码", "password"),
    ("登录", "login"),
    ("绑定", "binding"),
    ("实名", "real_name"),
    ("手机号", "phone"),
    ("电话", "phone"),
    ("短信", "sms"),
    ("审核", "review_status"),
    ("进度", "progress"),
    ("补发", "reship"),
    ("少发", "missing_item"),
    ("漏发", "missing_item"),
    ("发错", "wrong_item"),
    ("包装", "packaging"),
    ("链接", "link"),
    ("活动", "promotion"),
    ("满减", "promotion"),
    ("客服", "agent"),
    ("人工", "human"),
    ("在吗", "hello"),
    ("你好", "hello"),
    ("谢谢", "thanks"),
    ("没有了", "no_more"),
    ("没了", "no_more"),
    ("不需要", "no_more"),
    ("好的", "ok"),
];

/// Cue words of each section, read in a proposal's keywords (and, weaker, its
/// template).
const AFTERSALE: &[&str] = &[
    "退",
    "换货",
    "售后",
    "维修",
    "保修",
    "质保",
    "返修",
    "安装",
    "质量",
    "坏",
    "破损",
    "物流",
    "签收",
    "没收到",
    "到货",
    "赔",
    "投诉",
    "拒收",
    "补发",
    "少发",
    "漏发",
    "发错",
    "取件",
    "上门",
    "配送",
    "快递",
    "站点",
    "到账",
];
const INSALE: &[&str] = &[
    "付款", "支付", "地址", "取消", "备注", "改", "发货", "拦截", "白条", "分期", "下单",
];

/// The section of a proposal: a cue word counts three in its keywords and one in its
/// template; the stage of the conversations it came from adds up to three (the share
/// of its pairs in each); pre-sale when nothing says otherwise.
pub(crate) fn section(draft: &Draft, pairs: &[Pair], template: &str) -> Section {
    let mut score = [0.0f64; 3];
    let terms: String = draft
        .terms
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    for (cues, i) in [(AFTERSALE, 2), (INSALE, 1)] {
        for w in cues {
            score[i] += 3.0 * f64::from(u8::from(terms.contains(w)));
            score[i] += f64::from(u8::from(template.contains(w)));
        }
    }
    let n = draft.good.len().max(1) as f64;
    for &m in &draft.good {
        match pairs[m as usize].stage {
            Some(Section::Presale) => score[0] += 3.0 / n,
            Some(Section::Insale) => score[1] += 3.0 / n,
            Some(Section::Aftersale) => score[2] += 3.0 / n,
            None => {}
        }
    }
    let best = (0..3).fold(0, |b, i| if score[i] > score[b] { i } else { b });
    [Section::Presale, Section::Insale, Section::Aftersale][best]
}

/// A topic id for a proposal, unique among `taken` (which it joins): `mined_` and the
/// slug of the first known word of its first two terms or its template (`mined_invoice`), else of
/// its section (`mined_aftersale`), with `_2`, `_3` … when taken.
pub(crate) fn topic_id(
    terms: &[Term],
    template: &str,
    section: Section,
    taken: &mut HashSet<String>,
) -> String {
    // Its first two terms say what it is about; later ones may be by-catch.
    let slug = terms
        .iter()
        .take(2)
        .map(|t| t.text.as_str())
        .chain(std::iter::once(template))
        .find_map(|text| {
            SLUGS
                .iter()
                .find(|(w, _)| text.contains(w))
                .map(|(_, s)| *s)
        })
        .unwrap_or(section.key());
    let base = format!("mined_{slug}");
    let mut id = base.clone();
    let mut n = 1;
    while taken.contains(&id) || id.len() > MAX_TOPIC_BYTES {
        n += 1;
        id = format!("{base}_{n}");
        if id.len() > MAX_TOPIC_BYTES {
            id = format!("mined_{n}");
        }
    }
    taken.insert(id.clone());
    id
}

/// The display name: its first two terms, `保修·联保`.
pub(crate) fn name(terms: &[Term]) -> String {
    terms
        .iter()
        .take(2)
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("·")
}

/// The agents' replies of the group after the draft's good pairs, as written, most
/// frequent first (ties: the shorter, then by text).
pub(crate) fn replies_of(draft: &Draft, pairs: &[Pair], replies: &Replies) -> Vec<(String, u32)> {
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for &m in &draft.good {
        for &r in pairs[m as usize].replies.iter().take(REPLY_TURNS) {
            let e = &replies.entries[r as usize];
            if e.group != draft.group {
                continue;
            }
            // The entry's most used spelling stands for it.
            let best = e
                .originals
                .iter()
                .max_by_key(|(o, n)| (*n, std::cmp::Reverse(o.len())));
            if let Some((o, _)) = best {
                *counts.entry(o).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(String, u32)> = counts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    out.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.len().cmp(&b.0.len()))
            .then(a.0.cmp(&b.0))
    });
    out
}

/// The template: the agents' most common reply of the group. A reply with masked
/// data (`[订单编号]`, `[数字]`) is passed over for a plain one used at least a third
/// as often; if there is none, the placeholders are removed with the unit that
/// follows a number (`[数字]天` goes whole). `None` when what is left is too short
/// to be an answer. Braces are escaped for the template syntax.
pub(crate) fn template(candidates: &[(String, u32)]) -> Option<String> {
    let (top, top_n) = candidates.first()?;
    let plain = candidates
        .iter()
        .find(|(t, n)| !has_placeholder(t) && n * 3 >= *top_n)
        .map(|(t, _)| t.clone());
    let text = match plain {
        Some(t) => t,
        None => remove_masked(top),
    };
    let text = one_line(&text, 400);
    let key = reply_key(&text);
    // An answer is Chinese text: not a bare link, number or acknowledgement.
    if key.chars().count() < MIN_TEMPLATE_CHARS
        || key.chars().filter(|&c| super::text::is_cjk(c)).count() < 4
    {
        return None;
    }
    Some(text.replace('{', "{{").replace('}', "}}"))
}

/// Removes placeholders, with a unit right after a number placeholder.
fn remove_masked(text: &str) -> String {
    const UNITS: &str = "年月日号点时分秒天元块个件次台张位";
    let mut out = String::new();
    let mut at = 0;
    for p in super::text::placeholders(text) {
        out.push_str(&text[at..p.start]);
        at = p.end;
        let numeric = text[p.clone()].contains("数字") || text[p.clone()].contains("num");
        if numeric {
            if let Some(c) = text[at..].chars().next().filter(|c| UNITS.contains(*c)) {
                at += c.len_utf8();
            }
        }
    }
    out.push_str(&text[at..]);
    // What placeholders leave behind: doubled spaces and punctuation.
    let out = without_placeholders(&out);
    let mut tidy = String::with_capacity(out.len());
    for c in out.chars() {
        let last = tidy.chars().last();
        if (c == ' ' && last == Some(' '))
            || (c.is_ascii_punctuation() || "，。、：".contains(c))
                && last.is_some_and(|l| l == c || "，。、：,.:".contains(l))
        {
            continue;
        }
        tidy.push(c);
    }
    tidy.trim_matches(|c: char| c.is_whitespace() || "，、：,:".contains(c))
        .to_owned()
}

/// Up to `n` example messages of a draft for comments and `tests:`: distinct, plain
/// (no masked data, no long digit runs), short first; then the others.
pub(crate) fn examples(draft: &Draft, pairs: &[Pair], n: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut list: Vec<&Pair> = draft
        .good
        .iter()
        .map(|&m| &pairs[m as usize])
        .filter(|p| seen.insert(p.norm.clone()))
        .collect();
    let digits = |s: &str| {
        let mut run = 0;
        let mut most = 0;
        for c in s.chars() {
            run = if c.is_ascii_digit() { run + 1 } else { 0 };
            most = most.max(run);
        }
        most
    };
    let plain =
        |p: &Pair| !has_placeholder(&p.text) && digits(&p.text) < 5 && !p.text.contains('\n');
    list.sort_by_key(|p| {
        let len = p.text.chars().count();
        (!plain(p), len.abs_diff(8), p.conversation)
    });
    list.into_iter()
        .take(n)
        .map(|p| p.text.trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Vec<Term> {
        list.iter()
            .map(|t| Term {
                text: (*t).to_owned(),
                whole: false,
            })
            .collect()
    }

    #[test]
    fn templates_never_carry_masked_data() {
        let c = |v: &[(&str, u32)]| {
            v.iter()
                .map(|(t, n)| ((*t).to_owned(), *n))
                .collect::<Vec<_>>()
        };
        // A plain reply used a third as often as the top one wins.
        assert_eq!(
            template(&c(&[
                ("订单[订单编号]已发货哦", 6),
                ("亲，您的订单已经发货了哦", 2)
            ]))
            .as_deref(),
            Some("亲，您的订单已经发货了哦")
        );
        // Else the placeholders go, with a number's unit.
        assert_eq!(
            template(&c(&[("您的订单预计[数字]月[数字]日送达您手中", 5)])).as_deref(),
            Some("您的订单预计送达您手中")
        );
        assert_eq!(
            template(&c(&[("亲，[姓名]，保修期是[数字]年哦", 3)])).as_deref(),
            Some("亲，保修期是哦")
        );
        // Too short to be an answer.
        assert_eq!(template(&c(&[("好的[数字]", 9)])), None);
        assert_eq!(template(&c(&[("稍等", 9)])), None);
        assert_eq!(template(&c(&[("http://item.jd.com/15982883", 9)])), None);
        assert_eq!(
            template(&c(&[("亲，{shop}的发票随货寄出", 3)])).as_deref(),
            Some("亲，{{shop}}的发票随货寄出")
        );
    }

    #[test]
    fn topic_ids_are_valid_and_unique() {
        let mut taken: HashSet<String> = ["mined_invoice".to_owned()].into();
        let id = topic_id(&terms(&["开发票"]), "", Section::Presale, &mut taken);
        assert_eq!(id, "mined_invoice_2");
        let id = topic_id(&terms(&["嗯嗯嗯"]), "", Section::Aftersale, &mut taken);
        assert_eq!(id, "mined_aftersale");
        let id = topic_id(
            &terms(&["什么东西"]),
            "亲，保修一年哦",
            Section::Presale,
            &mut taken,
        );
        assert_eq!(id, "mined_warranty");
        for id in &taken {
            assert!(id.len() <= MAX_TOPIC_BYTES);
            assert!(id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        }
        assert_eq!(name(&terms(&["保修", "联保", "质保"])), "保修·联保");
    }
}
