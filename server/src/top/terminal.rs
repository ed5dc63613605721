//! The full-screen terminal: raw mode and the alternate screen, entered by [`Screen::enter`]
//! and always left: when the [`Screen`] is dropped (a quit, an error), by a panic hook (a
//! panic's message must land on the shell's screen, not on a table that then vanishes), and
//! for the time a child (`agentcast watch`) has the terminal ([`Screen::suspend`]).

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal `top` draws on.
pub(crate) type Term = Terminal<CrosstermBackend<Stdout>>;

/// The terminal in full-screen mode; restored when dropped.
pub(crate) struct Screen {
    pub terminal: Term,
}

impl Screen {
    /// Raw mode, the alternate screen, the cursor hidden.
    pub(crate) fn enter() -> io::Result<Screen> {
        install_panic_hook();
        enter_raw()?;
        match fresh_terminal() {
            Ok(terminal) => Ok(Screen { terminal }),
            Err(err) => {
                restore();
                Err(err)
            }
        }
    }

    /// Gives the terminal back as the shell had it, runs `child`, and takes it again.
    pub(crate) async fn suspend<T>(&mut self, child: impl Future<Output = T>) -> io::Result<T> {
        restore();
        let out = child.await;
        enter_raw()?;
        // The child drew on the screen: everything must be drawn again, which a new
        // terminal (with empty buffers) on a cleared screen does.
        self.terminal = fresh_terminal()?;
        Ok(out)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// A ratatui terminal on a cleared screen, the cursor hidden. Not `Terminal::clear`: it asks
/// the terminal where the cursor is, and that answer can be lost to the key reader.
fn fresh_terminal() -> io::Result<Term> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.hide_cursor()?;
    execute!(io::stdout(), Clear(ClearType::All))?;
    Ok(terminal)
}

fn enter_raw() -> io::Result<()> {
    enable_raw_mode()?;
    if let Err(err) = execute!(io::stdout(), EnterAlternateScreen) {
        restore();
        return Err(err);
    }
    Ok(())
}

/// Leaves the alternate screen and raw mode and shows the cursor; harmless when they are
/// already off, so every path may call it.
pub(crate) fn restore() {
    // Errors are ignored on purpose: this runs while unwinding or quitting, and a terminal
    // that refuses is not something we can do more about.
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Restores the terminal before the previous hook prints the panic.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
