//! A scrolling list that renders only the rows in view (`model::window`), with spacers for
//! the rest; it follows new rows while scrolled to the bottom, and stops once the user
//! scrolls up to read. Rows are all `row_height` high, or start where `tops` says.

use leptos::html;
use leptos::prelude::*;

use crate::model::window::ListWindow;

#[component]
pub fn VirtualRows<F, V>(
    /// How many rows the list has.
    #[prop(into)]
    len: Signal<usize>,
    /// Every row is this many pixels high (the CSS agrees).
    row_height: f64,
    /// Rows of different heights: where each starts, and the list's height last
    /// (`model::window::tops`); `row_height` is then only the scroll step for following.
    #[prop(optional, into)]
    tops: Option<Signal<Vec<f64>>>,
    /// Renders row `index`.
    render: F,
    #[prop(into)] testid: String,
    /// Keep the last row in view while the user is at the bottom.
    #[prop(optional)]
    follow: bool,
) -> impl IntoView
where
    F: Fn(usize) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let window = ListWindow {
        row_height,
        overscan: 8,
    };
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0);
    // Until measured, assume a typical panel height.
    let height = RwSignal::new(480.0);
    let following = RwSignal::new(follow);

    let measure = move || {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            height.set(el.client_height() as f64);
        }
    };
    let on_scroll = move |_| {
        measure();
        if follow {
            following.set(window.at_bottom(
                len.get_untracked(),
                scroll_top.get_untracked(),
                height.get_untracked(),
            ));
        }
    };
    // New rows while following: jump to the bottom once the browser has laid them out (the
    // spacers grow in the same update; scrolling before that would stop short).
    Effect::new(move |_| {
        len.track();
        if following.get_untracked() {
            request_animation_frame(move || {
                if let Some(el) = scroller.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                    measure();
                }
            });
        }
    });
    Effect::new(move |_| {
        if scroller.get().is_some() {
            measure();
        }
    });

    let visible = Memo::new(move |_| match tops {
        Some(tops) => tops.with(|t| window.visible_tops(t, scroll_top.get(), height.get())),
        None => window.visible(len.get(), scroll_top.get(), height.get()),
    });
    view! {
        <div class="virtual" node_ref=scroller on:scroll=on_scroll data-testid=testid tabindex="0">
            <div style:height=move || format!("{}px", visible.with(|v| v.pad_top))></div>
            <For
                each=move || { let v = visible.get(); v.start..v.end }
                key=|index| *index
                children=move |index| render(index)
            />
            <div style:height=move || format!("{}px", visible.with(|v| v.pad_bottom))></div>
        </div>
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A fresh host element with the panel height the stylesheet gives lists.
    pub(crate) fn host() -> web_sys::HtmlElement {
        let document = web_sys::window().unwrap().document().unwrap();
        let style = document.create_element("style").unwrap();
        style.set_text_content(Some(".virtual { height: 300px; overflow-y: auto; }"));
        document.head().unwrap().append_child(&style).unwrap();
        let host = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&host).unwrap();
        host.unchecked_into()
    }

    /// Lets effects and the browser's layout run.
    pub(crate) async fn settle() {
        gloo_timers::future::TimeoutFuture::new(30).await;
    }

    fn rendered(host: &web_sys::HtmlElement) -> Vec<String> {
        let rows = host.query_selector_all(".row").unwrap();
        (0..rows.length())
            .map(|i| rows.item(i).unwrap().text_content().unwrap_or_default())
            .collect()
    }

    #[wasm_bindgen_test]
    async fn renders_a_screenful_of_twenty_thousand_rows_and_follows_scrolling() {
        let host = host();
        let len = RwSignal::new(20_000usize);
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            view! {
                <VirtualRows len=len row_height=20.0 testid="list"
                    render=|i| view! { <div class="row" style="height:20px">{i}</div> }/>
            }
        });
        settle().await;
        let rows = rendered(&host);
        assert!(rows.len() < 50, "{} rows rendered", rows.len());
        assert_eq!(rows[0], "0");

        let list: web_sys::HtmlElement = host
            .query_selector("[data-testid=list]")
            .unwrap()
            .unwrap()
            .unchecked_into();
        list.set_scroll_top(200_000);
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        settle().await;
        let rows = rendered(&host);
        assert!(rows.len() < 50, "{} rows rendered", rows.len());
        assert!(rows.contains(&"10000".to_string()), "{rows:?}");
        assert_eq!(list.scroll_height(), 20_000 * 20);
    }

    #[wasm_bindgen_test]
    async fn a_following_list_stays_at_the_bottom_as_rows_arrive() {
        let host = host();
        let len = RwSignal::new(100usize);
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            view! {
                <VirtualRows len=len row_height=20.0 testid="tail" follow=true
                    render=|i| view! { <div class="row" style="height:20px">{i}</div> }/>
            }
        });
        settle().await;
        len.set(500);
        settle().await;
        let rows = rendered(&host);
        assert_eq!(rows.last().map(String::as_str), Some("499"), "{rows:?}");
    }
}
