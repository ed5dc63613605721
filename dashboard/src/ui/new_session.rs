//! The New session form, for tokens that may start processes (`whoami`'s `may_start`, the
//! server's allow-list): a program from that list, the first prompt, the working directory
//! and the project; `POST /api/sessions`, then the new session opens.

use agentcast_shared::rest::CreateSession;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;

#[component]
pub fn NewSession() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let programs = Memo::new(move |_| {
        ctx.who.with(|who| {
            who.as_ref()
                .map(|w| w.may_start.clone())
                .unwrap_or_default()
        })
    });
    let open = RwSignal::new(false);
    view! {
        <Show when=move || programs.with(|p| !p.is_empty())>
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button class="small new-session-open" data-testid="new-session-open" on:click=move |_| open.set(true)>
                        "+ New session"
                    </button>
                }
            >
                <NewSessionForm programs=programs open=open/>
            </Show>
        </Show>
    }
}

#[component]
fn NewSessionForm(programs: Memo<Vec<String>>, open: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let program =
        RwSignal::new(programs.with_untracked(|p| p.first().cloned().unwrap_or_default()));
    let prompt = RwSignal::new(String::new());
    let cwd = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let starting = RwSignal::new(false);
    // An empty field is "the server's default", not an empty value.
    let given = |signal: RwSignal<String>| {
        let text = signal.get_untracked();
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = CreateSession {
            command: vec![program.get_untracked()],
            cwd: given(cwd),
            label: None,
            session_id: None,
            project: given(project),
            prompt: given(prompt),
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
                    let _ = open.try_set(false);
                    ctx.open(Some(created.session_id));
                }
                Err(err) => {
                    let _ = error.try_set(Some(err.message));
                }
            }
        });
    };
    let text_input = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    view! {
        <form class="new-session" data-testid="new-session" on:submit=submit>
            <label>
                "Program"
                <select
                    data-testid="new-session-command"
                    prop:value=move || program.get()
                    on:change=text_input(program)
                >
                    <For each=move || programs.get() key=|p| p.clone() let:name>
                        <option value=name.clone()>{name.clone()}</option>
                    </For>
                </select>
            </label>
            <label>
                "First prompt"
                <textarea
                    rows="3"
                    data-testid="new-session-prompt"
                    placeholder="What should the agent do? (empty: it waits for a prompt)"
                    prop:value=move || prompt.get()
                    on:input=text_input(prompt)
                ></textarea>
            </label>
            <label>
                "Working directory"
                <input
                    type="text"
                    data-testid="new-session-cwd"
                    placeholder="the server's"
                    prop:value=move || cwd.get()
                    on:input=text_input(cwd)
                />
            </label>
            <label>
                "Project"
                <input
                    type="text"
                    data-testid="new-session-project"
                    placeholder="the working directory's"
                    prop:value=move || project.get()
                    on:input=text_input(project)
                />
            </label>
            <p class="error" role="alert" data-testid="new-session-error">{move || error.get()}</p>
            <div class="form-actions">
                <button type="submit" data-testid="new-session-start" disabled=move || starting.get()>"Start"</button>
                <button type="button" class="small link" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}
