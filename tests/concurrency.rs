//! One engine shared by 8 threads, each holding many conversations at once, answers
//! exactly as one thread answering them one after another: same replies, same final
//! sessions. Messages are our own list, plus the first lines of the buyer corpus
//! (`<repo>/../shared/corpus/customer_messages.txt`) when it is there.

mod common;

use kefu::{Engine, Session};
use std::sync::Barrier;
use std::time::{Duration, SystemTime};

const APPAREL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/apparel.yaml");
const CORPUS_LINES: usize = 3_000;
const THREADS: usize = 8;
const PER_CONVERSATION: usize = 6;

const OWN: &[&str] = &[
    "在吗",
    "这件偏大吗 我160 100斤",
    "那L呢",
    "有货吗",
    "XL碼還有嗎？？",
    "什么时候发货",
    "订单号 2026110512345678 到哪了",
    "我要退貨！！😭",
    "退货的运费谁出",
    "不想退了",
    "颜色不对 我要投诉",
    "转人工",
    "谢谢",
    "",
    "🙂🙂🙂",
    "今天天气不错",
    "满300减40吗",
    "面料是纯棉的吗 会起球吗",
    "{shop}}{",
    "\u{202E}叫我\u{7}",
    "ＸＬ１６０",
    "能便宜点吗",
    "发顺丰吗",
    "地址写错了 能改吗",
    "已经付款了",
    "好的",
    "尺码表在哪",
    "我165 120斤穿什么码",
    "快递几天能到",
    "质量怎么样",
];

/// Our own list four times, each rotated by 7 (so that, corpus or not, there are 20
/// conversations for the 8 threads, each a different mix), then the corpus lines.
fn messages() -> Vec<String> {
    let mut all: Vec<String> = (0..4)
        .flat_map(|round| OWN.iter().cycle().skip(round * 7).take(OWN.len()))
        .map(|s| (*s).to_owned())
        .collect();
    let without = format!("runs on our own {} messages only", all.len());
    if let Some(text) = common::corpus(&without) {
        all.extend(text.lines().take(CORPUS_LINES).map(str::to_owned));
    }
    all
}

/// Everything a service sends back for one reply (its JSON), and the final session.
type Transcript = (Vec<String>, String);

/// The reply to message `turn` of conversation `id`, as the JSON a service sends.
fn answer(engine: &Engine, session: &mut Session, id: usize, turn: usize, message: &str) -> String {
    // Conversations start 10 minutes apart; messages in one come 90 s apart.
    let now = SystemTime::UNIX_EPOCH
        + Duration::from_secs(1_793_800_000 + id as u64 * 600 + turn as u64 * 90);
    let r = engine.reply_at(session, message, now);
    serde_json::to_string(&r).unwrap_or_else(|e| panic!("{e}"))
}

fn saved(session: &Session) -> String {
    serde_json::to_string(session).unwrap_or_else(|e| panic!("{e}"))
}

fn converse(engine: &Engine, id: usize, messages: &[String]) -> Transcript {
    let mut s = Session::new(format!("buyer-{id}"));
    let replies = messages
        .iter()
        .enumerate()
        .map(|(turn, m)| answer(engine, &mut s, id, turn, m))
        .collect();
    (replies, saved(&s))
}

/// Runs the conversations `k`, `k + THREADS`, … of thread `k`, interleaving their
/// messages so each thread holds many sessions at once.
fn thread_work(engine: &Engine, k: usize, conversations: &[&[String]]) -> Vec<(usize, Transcript)> {
    let mine: Vec<usize> = (k..conversations.len()).step_by(THREADS).collect();
    let mut sessions: Vec<(Session, Vec<String>)> = mine
        .iter()
        .map(|&id| (Session::new(format!("buyer-{id}")), Vec::new()))
        .collect();
    for turn in 0..PER_CONVERSATION {
        for (slot, &id) in mine.iter().enumerate() {
            let Some(m) = conversations[id].get(turn) else {
                continue;
            };
            let (session, replies) = &mut sessions[slot];
            replies.push(answer(engine, session, id, turn, m));
        }
    }
    mine.into_iter()
        .zip(sessions)
        .map(|(id, (s, replies))| (id, (replies, saved(&s))))
        .collect()
}

#[test]
fn eight_threads_answer_as_one_thread_does() {
    let engine = Engine::from_path(APPAREL).unwrap_or_else(|e| panic!("{e}"));
    let all = messages();
    let conversations: Vec<&[String]> = all.chunks(PER_CONVERSATION).collect();
    assert!(conversations.len() >= THREADS);

    let sequential: Vec<Transcript> = conversations
        .iter()
        .enumerate()
        .map(|(id, c)| converse(&engine, id, c))
        .collect();

    let barrier = Barrier::new(THREADS);
    let mut parallel: Vec<Option<Transcript>> = vec![None; conversations.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|k| {
                let engine = engine.clone();
                let (barrier, conversations) = (&barrier, &conversations);
                scope.spawn(move || {
                    barrier.wait();
                    thread_work(&engine, k, conversations)
                })
            })
            .collect();
        for h in handles {
            let done = h.join().unwrap_or_else(|_| panic!("a thread panicked"));
            for (id, t) in done {
                parallel[id] = Some(t);
            }
        }
    });

    for (id, (want, got)) in sequential.iter().zip(&parallel).enumerate() {
        let Some(got) = got else {
            panic!("conversation {id} was not answered");
        };
        for (turn, (w, g)) in want.0.iter().zip(&got.0).enumerate() {
            assert_eq!(
                w, g,
                "conversation {id}, message {:?}",
                conversations[id][turn]
            );
        }
        assert_eq!(want.0.len(), got.0.len(), "conversation {id}");
        assert_eq!(want.1, got.1, "final session of conversation {id}");
    }
}

#[test]
fn engine_and_session_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<Session>();
}
