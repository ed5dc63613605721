//! The New session form, for tokens that may start processes (`whoami`'s `may_start`, the
//! server's allow-list): a program from that list, the first prompt, the working directory
//! and the project; `POST /api/sessions`, then the new session opens. The fields are plain
//! form fields read once on submit.

use agentcast_shared::rest::CreateSession;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement};

use super::Ctx;

#[component]
pub fn NewSession() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let starting = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(fields) = FormData::new_with_form(&form) else {
            return;
        };
        // An empty field is "the server's default", not an empty value.
        let given = |name: &str| {
            fields
                .get(name)
                .as_string()
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        let body = CreateSession {
            command: given("command").into_iter().collect(),
            cwd: given("cwd"),
            label: None,
            session_id: None,
            project: given("project"),
            prompt: given("prompt"),
            control: None,
        };
        starting.set(true);
        error.set(None);
        let token = ctx.token();
        spawn_local(async move {
            let created = crate::api::create_session(&body, token.as_deref()).await;
            let _ = starting.try_set(false);
            match created {
                Ok(created) => {
                    form.reset();
                    let _ = open.try_set(false);
                    ctx.open(Some(created.session_id));
                }
                Err(err) => {
                    let _ = error.try_set(Some(err.message));
                }
            }
        });
    };
    let programs = move || {
        ctx.who.with(|who| {
            who.as_ref()
                .map(|w| w.may_start.clone())
                .unwrap_or_default()
        })
    };
    // Built once and hidden from tokens that may not start processes: swapping it in and out
    // would cost the wasm a second copy of the form.
    view! {
        <div class="new-session-box" hidden=move || programs().is_empty()>
                <button
                    class="small new-session-open"
                    data-testid="new-session-open"
                    hidden=move || open.get()
                    on:click=move |_| open.set(true)
                >"+ New session"</button>
                <form class="new-session" data-testid="new-session" hidden=move || !open.get() on:submit=submit>
                    <label>
                        "Program"
                        <select name="command" data-testid="new-session-command">
                            {move || programs().into_iter().map(|name| view! {
                                <option value=name.clone()>{name.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "First prompt"
                        <textarea
                            name="prompt"
                            rows="3"
                            data-testid="new-session-prompt"
                            placeholder="What should the agent do? (empty: it waits for a prompt)"
                        ></textarea>
                    </label>
                    <label>
                        "Working directory"
                        <input type="text" name="cwd" data-testid="new-session-cwd" placeholder="the server's"/>
                    </label>
                    <label>
                        "Project"
                        <input type="text" name="project" data-testid="new-session-project" placeholder="the working directory's"/>
                    </label>
                    <p class="error" role="alert" data-testid="new-session-error">{move || error.get()}</p>
                    <div class="form-actions">
                        <button type="submit" data-testid="new-session-start" disabled=move || starting.get()>"Start"</button>
                        <button type="button" class="small link" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </form>
        </div>
    }
}
