//! The permission cards: one per open request of the session (`model::permissions`), showing
//! what would happen (`model::request_preview`) and when it is denied unanswered, with Allow,
//! Deny (and a message for the agent) and, where the agent offered rules, "Always allow". A
//! card closes when `permission.resolved` arrives, whoever answered; a refusal (someone was
//! first) becomes the session's notice.

use agentcast_shared::control::PERMISSION_RESPOND;
use agentcast_shared::{
    PermissionAnswer, PermissionDecision, PermissionRequested, PermissionRespondArgs,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use super::session::SessionCtx;
use crate::model::control::Access;
use crate::model::format;
use crate::model::request_preview::{Change, Preview, preview};

#[component]
pub fn PermissionCards() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let open = Memo::new(move |_| {
        session.model.with(|m| {
            m.permissions
                .open()
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="permissions" aria-label="Permission requests" data-testid="permissions">
            // Cards are few and change only when one opens or closes: re-rendered whole then,
            // which costs far less code than a keyed list.
            {move || open.get().into_iter().map(|request| view! {
                <PermissionCard request=request/>
            }).collect_view()}
        </section>
    }
}

#[component]
fn PermissionCard(request: PermissionRequested) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = expect_context::<SessionCtx>();
    let access = move || {
        ctx.who
            .with(|who| Access::of(session.controllable.get(), who.as_ref()))
    };
    let message = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let expires_at = request.expires_at.clone();
    let countdown = move || {
        ctx.now.track();
        match format::countdown(&expires_at, js_sys::Date::now() as u64) {
            Some(left) => format!("denied in {left} without an answer"),
            None => "expired: being denied".to_owned(),
        }
    };
    let respond = {
        let request_id = request.request_id.clone();
        let suggestions = request.suggestions.clone();
        move |decision: PermissionDecision, always: bool| {
            let text = message.get_untracked();
            let args = PermissionRespondArgs {
                request_id: request_id.clone(),
                answer: PermissionAnswer {
                    decision,
                    message: (decision == PermissionDecision::Deny && !text.trim().is_empty())
                        .then(|| text.trim().to_owned()),
                    updated_input: None,
                    updated_permissions: always.then(|| suggestions.clone()),
                },
            };
            busy.set(true);
            spawn_local(async move {
                let id = session.id.get_value();
                let answer = super::commands::send(
                    ctx,
                    &id,
                    PERMISSION_RESPOND,
                    super::commands::args(&args),
                )
                .await;
                // The card closes with `permission.resolved`; until then it stays answerable
                // only if the answer did not go through.
                let _ = busy.try_set(false);
                if let Err(refused) = answer {
                    let _ = session.notice.try_set(Some(refused));
                }
            });
        }
    };
    let allow = {
        let respond = respond.clone();
        move |_| respond(PermissionDecision::Allow, false)
    };
    let always = {
        let respond = respond.clone();
        move |_| respond(PermissionDecision::Allow, true)
    };
    let deny = move |_| respond(PermissionDecision::Deny, false);
    let has_suggestions = !request.suggestions.is_empty();
    view! {
        <article
            class="permission-card"
            data-testid="permission-card"
            data-request-id=request.request_id.clone()
            data-tool=request.tool_name.clone()
            role="group"
            aria-label=format!("{} asks for permission", request.tool_name)
        >
            <div class="card-head">
                <strong>{format!("{} asks for permission", request.tool_name)}</strong>
                <span class="muted" data-testid="permission-expiry">{countdown}</span>
            </div>
            <RequestPreview preview=preview(&request)/>
            // Built once and hidden from tokens that may not answer: swapping it in and out
            // would cost the wasm a second copy of it.
            <div class="card-actions" hidden=move || access() != Access::Control>
                        <input
                            type="text"
                            placeholder="Message for the agent (with Deny)"
                            aria-label="Message with Deny"
                            data-testid="deny-message"
                            prop:value=move || message.get()
                            on:input=move |ev| message.set(event_target_value(&ev))
                        />
                        <button class="allow" data-testid="allow" disabled=move || busy.get() on:click=allow>"Allow"</button>
                        {has_suggestions.then(|| view! {
                            <button
                                data-testid="always-allow"
                                title="Allow, and apply the rule the agent offered"
                                disabled=move || busy.get()
                                on:click=always
                            >"Always allow"</button>
                        })}
                        <button class="deny" data-testid="deny" disabled=move || busy.get() on:click=deny>"Deny"</button>
            </div>
            <p class="muted" data-testid="permission-watch-only" hidden=move || access() != Access::WatchOnly>
                "Waiting for someone whose token has the control scope."
            </p>
        </article>
    }
}

/// What the request would do: a heading (the file, or what the agent says the command does)
/// and lines (the command, an edit's diff, a write's content, the input), in one shape for
/// every kind of request.
#[component]
fn RequestPreview(preview: Preview) -> impl IntoView {
    let one = |text| vec![(Change::Same, text)];
    let (kind, heading, lines) = match preview {
        Preview::Command {
            command,
            description,
        } => ("command", description, one(command)),
        Preview::Edit { file, diff } => (
            "edit",
            Some(file),
            diff.into_iter()
                .map(|line| (line.change, line.text + "\n"))
                .collect(),
        ),
        Preview::Write { file, content } => ("write", Some(file), one(content)),
        Preview::Input { json } => ("input", None, one(json)),
    };
    view! {
        <div class="preview" data-preview=kind>
            {heading.map(|heading| view! {
                <p class="heading" data-testid="permission-heading">{heading}</p>
            })}
            <pre data-testid="permission-body" tabindex="0">
                {lines.into_iter().map(|(change, text)| view! {
                    <span class="line" data-change=change.as_str()>{text}</span>
                }).collect_view()}
            </pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::control::tests::who;
    use crate::model::tests::env;
    use crate::ui::app::test_ctx;
    use crate::ui::virtual_rows::tests::{host, settle};
    use agentcast_shared::Scope;
    use serde_json::json;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn all(host: &web_sys::HtmlElement, selector: &str) -> Vec<web_sys::HtmlElement> {
        let list = host.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }

    /// The elements `selector` finds that are not hidden.
    fn shown(host: &web_sys::HtmlElement, selector: &str) -> usize {
        all(host, selector)
            .iter()
            .filter(|e| e.closest("[hidden]").unwrap().is_none())
            .count()
    }

    fn text(host: &web_sys::HtmlElement, selector: &str) -> String {
        host.query_selector(selector)
            .unwrap()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    fn requests() -> Vec<agentcast_shared::Envelope> {
        let in_ten_minutes =
            agentcast_shared::format_ts_millis(js_sys::Date::now() as u64 + 600_000);
        vec![
            env(
                1,
                "permission.requested",
                json!({"request_id": "bash", "tool_name": "Bash", "description": "Make the file",
                       "input": {"command": "touch approved.txt"}, "expires_at": in_ten_minutes,
                       "suggestions": [{"type": "addRules", "rules": [{"toolName": "Bash"}]}]}),
            ),
            env(
                2,
                "permission.requested",
                json!({"request_id": "edit", "tool_name": "Edit", "expires_at": in_ten_minutes,
                       "input": {"file_path": "/app/a.rs", "old_string": "let a = 1;", "new_string": "let a = 2;"}}),
            ),
            env(
                3,
                "permission.requested",
                json!({"request_id": "write", "tool_name": "Write", "expires_at": in_ten_minutes,
                       "input": {"file_path": "/app/notes.md", "content": "# Notes\nline"}}),
            ),
        ]
    }

    macro_rules! mount {
        ($host:expr, $ctx:expr, $session:expr) => {{
            let (ctx, session) = ($ctx, $session);
            leptos::mount::mount_to($host.clone(), move || {
                provide_context(ctx);
                provide_context(session);
                view! { <PermissionCards/> }
            })
        }};
    }

    #[wasm_bindgen_test]
    async fn a_card_per_open_request_shows_what_would_happen_and_closes_when_resolved() {
        let host = host();
        let ctx = test_ctx();
        ctx.who.set(Some(who(&[Scope::Admin])));
        let session = SessionCtx::new("s1".into());
        session.controllable.set(true);
        session.model.update(|m| m.extend(requests()));
        let _mounted = mount!(host, ctx, session);
        settle().await;

        let cards = "[data-testid=permission-card]";
        let ids: Vec<_> = all(&host, cards)
            .iter()
            .map(|c| c.get_attribute("data-request-id").unwrap())
            .collect();
        assert_eq!(ids, ["bash", "edit", "write"]);
        assert_eq!(
            text(
                &host,
                "[data-request-id=bash] [data-testid=permission-body]"
            ),
            "touch approved.txt"
        );
        assert_eq!(
            text(
                &host,
                "[data-request-id=bash] [data-testid=permission-heading]"
            ),
            "Make the file"
        );
        assert_eq!(
            text(
                &host,
                "[data-request-id=edit] [data-testid=permission-heading]"
            ),
            "/app/a.rs"
        );
        let diff: Vec<_> = all(&host, "[data-request-id=edit] .line")
            .iter()
            .map(|l| {
                (
                    l.get_attribute("data-change").unwrap(),
                    l.text_content().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            diff,
            [
                ("removed".to_owned(), "let a = 1;\n".to_owned()),
                ("added".to_owned(), "let a = 2;\n".to_owned())
            ]
        );
        assert_eq!(
            text(
                &host,
                "[data-request-id=write] [data-testid=permission-body]"
            ),
            "# Notes\nline"
        );
        let expiry = text(&host, "[data-testid=permission-expiry]");
        assert!(
            expiry.starts_with("denied in 9:") || expiry.starts_with("denied in 10:00"),
            "{expiry}"
        );
        // Allow and Deny on every card; Always allow only where the agent offered a rule.
        assert_eq!(shown(&host, "[data-testid=allow]"), 3);
        assert_eq!(shown(&host, "[data-testid=deny]"), 3);
        let always = all(&host, "[data-testid=always-allow]");
        assert_eq!(always.len(), 1);
        assert!(
            always[0]
                .closest("[data-request-id=bash]")
                .unwrap()
                .is_some()
        );

        // Answered (here or anywhere else): the card closes.
        session.model.update(|m| {
            m.extend([env(
                4,
                "permission.resolved",
                json!({"request_id": "edit", "decision": "allow", "by": "bob", "reason": "answered"}),
            )])
        });
        settle().await;
        let ids: Vec<_> = all(&host, cards)
            .iter()
            .map(|c| c.get_attribute("data-request-id").unwrap())
            .collect();
        assert_eq!(ids, ["bash", "write"]);

        // Answering while the connection is down says so, and the card stays.
        all(&host, "[data-request-id=bash] [data-testid=allow]")[0].click();
        settle().await;
        assert!(
            session
                .notice
                .get_untracked()
                .is_some_and(|n| n.starts_with("Not connected")),
            "{:?}",
            session.notice.get_untracked()
        );
        assert_eq!(all(&host, cards).len(), 2);
    }

    #[wasm_bindgen_test]
    async fn only_tokens_that_may_answer_get_the_buttons() {
        let host = host();
        let ctx = test_ctx();
        ctx.who.set(Some(who(&[Scope::Write])));
        let session = SessionCtx::new("s1".into());
        session.controllable.set(true);
        session.model.update(|m| m.extend(requests()));
        let _mounted = mount!(host, ctx, session);
        settle().await;
        assert_eq!(all(&host, "[data-testid=permission-card]").len(), 3);
        assert_eq!(shown(&host, "[data-testid=allow]"), 0);
        let notes = || shown(&host, "[data-testid=permission-watch-only]");
        assert_eq!(notes(), 3);

        // The control scope brings them.
        ctx.who.set(Some(who(&[Scope::Control])));
        settle().await;
        assert_eq!(shown(&host, "[data-testid=allow]"), 3);
        // A session that takes no commands: the cards inform, nobody answers here.
        session.controllable.set(false);
        settle().await;
        assert_eq!(all(&host, "[data-testid=permission-card]").len(), 3);
        assert_eq!(shown(&host, "[data-testid=allow]"), 0);
        assert_eq!(notes(), 0);
    }
}
