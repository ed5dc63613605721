//! The browser transport: the page's `WebSocket`. Its callbacks push frames into a channel;
//! a local task sends what the client queues and closes the socket when the link is dropped.

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use super::{Frame, Link, Transport, TransportError};
use crate::config::ClientConfig;
use crate::rt::BoxFuture;

/// Websockets of the browser (`ws://` or `wss://`, as the page allows).
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserTransport;

impl BrowserTransport {
    /// The transport for `config`. The browser does TLS with its own trust store, so
    /// [`tls_roots`](ClientConfig::tls_roots) is not used here.
    pub fn new(_config: &ClientConfig) -> Self {
        BrowserTransport
    }
}

impl Transport for BrowserTransport {
    fn connect(&self, url: &str) -> BoxFuture<Result<Link, TransportError>> {
        let url = url.to_owned();
        Box::pin(async move {
            let socket = WebSocket::new(&url)
                .map_err(|err| TransportError(format!("websocket to {url}: {err:?}")))?;
            // Attachments arrive as ArrayBuffer, which can be copied out synchronously.
            socket.set_binary_type(BinaryType::Arraybuffer);

            let (in_tx, in_rx) = mpsc::unbounded::<Frame>();
            let (opened_tx, opened_rx) = oneshot::channel::<Result<(), String>>();
            let opened_tx = std::rc::Rc::new(std::cell::RefCell::new(Some(opened_tx)));

            let on_message = {
                let in_tx = in_tx.clone();
                Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                    let data = event.data();
                    let frame = if let Some(text) = data.as_string() {
                        Frame::Text(text)
                    } else if let Ok(buffer) = data.dyn_into::<js_sys::ArrayBuffer>() {
                        Frame::Binary(js_sys::Uint8Array::new(&buffer).to_vec())
                    } else {
                        return; // a Blob despite the binary type: nothing a server sends here
                    };
                    let _ = in_tx.unbounded_send(frame);
                })
            };
            let on_open = {
                let opened_tx = opened_tx.clone();
                Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                    if let Some(tx) = opened_tx.borrow_mut().take() {
                        let _ = tx.send(Ok(()));
                    }
                })
            };
            let on_close = {
                let opened_tx = opened_tx.clone();
                let in_tx = in_tx.clone();
                Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
                    if let Some(tx) = opened_tx.borrow_mut().take() {
                        let _ = tx.send(Err(format!("closed with code {}", event.code())));
                    }
                    // Ends `incoming`: the client sees the link is gone.
                    in_tx.close_channel();
                })
            };
            // An error is always followed by a close event, which does the work.
            socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
            socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));

            let opened = opened_rx
                .await
                .unwrap_or_else(|_| Err("websocket dropped".to_owned()));
            if let Err(why) = opened {
                clear_handlers(&socket);
                return Err(TransportError(format!("websocket to {url}: {why}")));
            }

            let (out_tx, mut out_rx) = mpsc::unbounded::<Frame>();
            wasm_bindgen_futures::spawn_local(async move {
                while let Some(frame) = out_rx.next().await {
                    let sent = match frame {
                        Frame::Text(text) => socket.send_with_str(&text),
                        Frame::Binary(bytes) => socket.send_with_u8_array(&bytes),
                    };
                    if sent.is_err() {
                        break;
                    }
                }
                // The client dropped the link (or sending failed): close it and let the
                // callbacks go; they were kept alive by this task until now.
                clear_handlers(&socket);
                let _ = socket.close();
                in_tx.close_channel();
                drop((on_message, on_open, on_close));
            });
            Ok(Link {
                outgoing: out_tx,
                incoming: in_rx,
            })
        })
    }
}

fn clear_handlers(socket: &WebSocket) {
    socket.set_onmessage(None);
    socket.set_onopen(None);
    socket.set_onclose(None);
}
