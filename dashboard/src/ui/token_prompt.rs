//! Shown when the server refused the token (or none was given and one is needed): says why and
//! takes a new one.

use leptos::prelude::*;

use super::Ctx;

#[component]
pub fn TokenPrompt() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let value = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = value.get_untracked().trim().to_owned();
        if token.is_empty() {
            return;
        }
        crate::auth::store(Some(&token));
        ctx.token.set(Some(token));
    };
    view! {
        <main class="token-page">
            <form class="panel token-prompt" data-testid="token-prompt" on:submit=submit>
                <h1>"Sign in to agentcast"</h1>
                <p class="refusal" data-testid="auth-error" role="alert">
                    {move || ctx.refusal.get().unwrap_or_default()}
                </p>
                <label for="token">"Access token"</label>
                <p class="hint">
                    "Use the link "<code>"agentcast serve"</code>" printed (it carries the token), "
                    "or paste the token from "<code>"agentcast token"</code>"."
                </p>
                <input
                    id="token"
                    type="password"
                    autocomplete="off"
                    data-testid="token-input"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button type="submit" class="primary" data-testid="token-submit">"Connect"</button>
            </form>
        </main>
    }
}
