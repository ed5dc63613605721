//! Below the transcript: the prompt box (Enter sends, Shift+Enter is a new line; "queued (1
//! ahead)" while a turn runs), Interrupt and End, for a session agentcast runs and a token that
//! may control it. Otherwise a line says why there are no controls.

use agentcast_shared::control::{END, INTERRUPT, PROMPT};
use agentcast_shared::{PromptArgs, PromptResult};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use super::Ctx;
use super::commands::fire;
use super::session::SessionCtx;
use crate::model::control::{self, Access, SentPrompt};

#[component]
pub fn ControlBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = expect_context::<SessionCtx>();
    let access = move || {
        ctx.who
            .with(|who| Access::of(session.controllable.get(), who.as_ref()))
    };
    let state = Signal::derive(move || {
        let id = session.id.get_value();
        ctx.sessions.with(|s| s.get(&id).map(|s| s.status))
    });
    let note = move || match access() {
        Access::Control => "",
        Access::WatchOnly => "Watching only: this token has no control scope.",
        Access::ReadOnly => "read-only: agentcast did not start this session",
    };
    view! {
        <div class="control-bar" data-testid="control-bar" data-access=move || access().as_str()>
            // Built once and hidden from tokens that may not use them: swapping them in and
            // out would cost the wasm a second copy.
            <div class="controls" hidden=move || access() != Access::Control>
                <Controls state=state/>
            </div>
            <p class="muted" data-testid="control-note" hidden=move || note().is_empty()>{note}</p>
        </div>
    }
}

#[component]
fn Controls(state: Signal<Option<agentcast_shared::SessionState>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = expect_context::<SessionCtx>();
    let text = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let sent = RwSignal::new(None::<SentPrompt>);
    // The label goes once the agent has the prompt.
    let sent_label = move || {
        sent.with(|sent| {
            let sent = sent.as_ref()?;
            let delivered = session
                .model
                .with(|m| sent.delivered(m.transcript.entries()));
            (!delivered).then(|| sent.label.clone())
        })
    };
    let send = move || {
        let prompt = text.get_untracked();
        if prompt.trim().is_empty() || sending.get_untracked() {
            return;
        }
        sending.set(true);
        let after_offset = session.model.with_untracked(|m| m.log.head());
        spawn_local(async move {
            let id = session.id.get_value();
            let args = PromptArgs {
                text: prompt.clone(),
            };
            let answer = super::commands::send(ctx, &id, PROMPT, super::commands::args(&args))
                .await
                .and_then(|result| {
                    serde_json::from_value::<PromptResult>(result).map_err(|e| e.to_string())
                });
            let _ = sending.try_set(false);
            match answer {
                Ok(result) => {
                    let _ = text.try_set(String::new());
                    let _ = sent.try_set(Some(SentPrompt {
                        text: prompt,
                        after_offset,
                        label: control::prompt_sent(&result),
                    }));
                }
                Err(refused) => {
                    let _ = session.notice.try_set(Some(refused));
                }
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    // They take no arguments and answer with a flag: only a refusal is worth showing.
    let interrupt = move |_| fire(ctx, session, INTERRUPT, json!({}));
    let end = move |_| fire(ctx, session, END, json!({}));
    view! {
        <div class="prompt-row">
            <textarea
                rows="2"
                placeholder="Prompt the agent (Enter sends, Shift+Enter for a new line)"
                aria-label="Prompt"
                data-testid="prompt-input"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_key
            ></textarea>
            <button
                data-testid="prompt-send"
                disabled=move || sending.get() || text.with(|t| t.trim().is_empty())
                on:click=move |_| send()
            >"Send"</button>
        </div>
        <div class="control-actions">
            <span class="muted" data-testid="prompt-status" role="status">{sent_label}</span>
            <span class="spacer"></span>
            <button
                class="small"
                data-testid="interrupt"
                disabled=move || !control::can_interrupt(state.get())
                on:click=interrupt
            >"Interrupt"</button>
            <button
                class="small deny"
                data-testid="end"
                disabled=move || !control::can_end(state.get())
                on:click=end
            >"End"</button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::control::tests::who;
    use crate::model::sessions::Sessions;
    use crate::ui::app::test_ctx;
    use crate::ui::virtual_rows::tests::{host, settle};
    use agentcast_shared::rest::SessionRecord;
    use agentcast_shared::{Scope, SessionSource, SessionState, Watcher};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn find(host: &web_sys::HtmlElement, testid: &str) -> Option<web_sys::HtmlElement> {
        host.query_selector(&format!("[data-testid={testid}]"))
            .unwrap()
            .map(JsCast::unchecked_into)
    }

    /// True when `testid` is on the page and not hidden.
    fn shown(host: &web_sys::HtmlElement, testid: &str) -> bool {
        find(host, testid).is_some_and(|e| e.closest("[hidden]").unwrap().is_none())
    }

    fn disabled(host: &web_sys::HtmlElement, testid: &str) -> bool {
        find(host, testid)
            .unwrap_or_else(|| panic!("no {testid}"))
            .has_attribute("disabled")
    }

    fn session_in(state: SessionState) -> Sessions {
        Sessions::new(vec![SessionRecord::new(
            "s1",
            SessionSource::Http,
            state,
            "2026-11-24T10:00:00.000Z",
        )])
    }

    #[wasm_bindgen_test]
    async fn controls_for_a_controllable_session_and_a_token_that_may_use_them() {
        let host = host();
        let ctx = test_ctx();
        ctx.sessions.set(session_in(SessionState::Idle));
        let session = SessionCtx::new("s1".into());
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            provide_context(session);
            view! { <ControlBar/><super::super::presence::Presence/> }
        });
        settle().await;
        let note = || {
            let note = find(&host, "control-note").unwrap();
            (!note.hidden()).then(|| note.text_content().unwrap())
        };
        // Not started by agentcast: a note, no controls, whatever the token.
        ctx.who.set(Some(who(&[Scope::Admin])));
        settle().await;
        assert_eq!(
            note().as_deref(),
            Some("read-only: agentcast did not start this session")
        );
        assert!(!shown(&host, "prompt-input") && !shown(&host, "interrupt"));

        // Controllable, but a write token: watching only.
        session.controllable.set(true);
        ctx.who.set(Some(who(&[Scope::Write])));
        settle().await;
        assert_eq!(
            note().as_deref(),
            Some("Watching only: this token has no control scope.")
        );
        assert!(!shown(&host, "prompt-input"));

        // An admin token: prompt, Interrupt (only while a turn runs or waits) and End.
        ctx.who.set(Some(who(&[Scope::Admin])));
        settle().await;
        assert!(shown(&host, "prompt-input") && shown(&host, "end"));
        assert_eq!(note(), None);
        assert!(disabled(&host, "interrupt"), "idle: nothing to interrupt");
        assert!(!disabled(&host, "end"));
        assert!(disabled(&host, "prompt-send"), "nothing typed");
        ctx.sessions.set(session_in(SessionState::Waiting));
        settle().await;
        assert!(!disabled(&host, "interrupt"));
        ctx.sessions.set(session_in(SessionState::Completed));
        settle().await;
        assert!(disabled(&host, "interrupt") && disabled(&host, "end"));

        // Sending while the connection is down says so and keeps the text.
        let input: web_sys::HtmlTextAreaElement =
            find(&host, "prompt-input").unwrap().unchecked_into();
        input.set_value("next step");
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
        settle().await;
        assert!(!disabled(&host, "prompt-send"));
        find(&host, "prompt-send").unwrap().click();
        settle().await;
        assert!(
            session
                .notice
                .get_untracked()
                .is_some_and(|n| n.starts_with("Not connected"))
        );
        assert_eq!(input.value(), "next step");

        // Who watches: subjects, marked when they may answer.
        session.watchers.set(vec![
            Watcher {
                sub: "alice".into(),
                sockets: 2,
                can_control: true,
            },
            Watcher {
                sub: "viewer".into(),
                sockets: 1,
                can_control: false,
            },
        ]);
        settle().await;
        let list = host.query_selector_all("[data-testid=watcher]").unwrap();
        let watchers: Vec<_> = (0..list.length())
            .map(|i| {
                let e: web_sys::Element = list.item(i).unwrap().unchecked_into();
                (
                    e.get_attribute("data-sub").unwrap(),
                    e.get_attribute("data-can-control").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            watchers,
            [
                ("alice".to_owned(), "true".to_owned()),
                ("viewer".to_owned(), "false".to_owned())
            ]
        );
        assert!(
            find(&host, "presence")
                .unwrap()
                .text_content()
                .unwrap()
                .contains("×2")
        );
    }
}
