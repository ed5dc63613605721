//! Events applied once per animation frame: at 1,000 events/s (a session streaming, or a
//! collector importing thousands of sessions onto the hub) the page redraws 60 times a
//! second, not 1,000. The open session's view and the sessions list each have one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use agentcast_shared::Envelope;
use leptos::prelude::request_animation_frame;

#[derive(Clone)]
pub(crate) struct Feed {
    /// What a batch is applied to (a model behind a signal).
    apply: Rc<dyn Fn(Vec<Envelope>)>,
    buffer: Rc<RefCell<Vec<Envelope>>>,
    scheduled: Rc<Cell<bool>>,
}

impl Feed {
    pub fn new(apply: impl Fn(Vec<Envelope>) + 'static) -> Self {
        Feed {
            apply: Rc::new(apply),
            buffer: Rc::default(),
            scheduled: Rc::default(),
        }
    }

    pub fn push(&self, envelope: Envelope) {
        self.buffer.borrow_mut().push(envelope);
        if !self.scheduled.replace(true) {
            let feed = self.clone();
            request_animation_frame(move || feed.flush());
        }
    }

    /// Applies what is buffered now (a frame callback does it otherwise).
    pub fn flush(&self) {
        self.scheduled.set(false);
        let batch = std::mem::take(&mut *self.buffer.borrow_mut());
        if !batch.is_empty() {
            (self.apply)(batch);
        }
    }
}
