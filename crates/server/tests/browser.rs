//! The platform in a real headless Chromium on a phone-sized window: what loads, what
//! applies, what a person sees. `./scripts/screenshots` reruns these with
//! `GROUNDSWELL_SCREENSHOTS=1` to refresh `docs/screenshots/`.

#[path = "support/app.rs"]
mod app;
#[path = "support/browser.rs"]
mod browser;

mod host_browser;
mod people_browser;

use browser::{Browser, Window};
use serde_json::json;

#[tokio::test]
async fn the_home_page_loads_with_its_title_htmx_and_stylesheet_on_a_phone() {
    let browser = Browser::start().await;
    browser.goto("/").await;

    assert_eq!(
        browser.client.title().await.unwrap(),
        "Welcome · Groundswell"
    );
    assert_eq!(browser.text_of("h1").await, "Groundswell");
    // The window is the phone's width.
    assert_eq!(
        browser.eval("return window.innerWidth").await,
        json!(Window::PHONE.width)
    );

    // htmx came from /assets and runs.
    assert_eq!(browser.eval("return typeof htmx").await, json!("object"));
    let htmx_version = browser.eval("return htmx.version").await;
    assert!(
        htmx_version.as_str().is_some_and(|v| v.starts_with("2.")),
        "{htmx_version}"
    );
    let htmx_src = browser
        .eval("return document.querySelector('script[src*=\"htmx\"]').src")
        .await;
    assert!(
        htmx_src
            .as_str()
            .is_some_and(|src| src.starts_with(&browser.url("/assets/htmx.min.js?v="))),
        "{htmx_src}"
    );

    // The stylesheet came from /assets and applies.
    assert_eq!(
        browser
            .eval("return [...document.styleSheets].map(sheet => sheet.href)")
            .await,
        json!([browser.url(&server::assets::url("app.css").unwrap())])
    );
    let font = browser
        .eval("return getComputedStyle(document.body).fontFamily")
        .await;
    assert!(
        font.as_str().is_some_and(|f| f.starts_with("system-ui")),
        "{font}"
    );
    assert_eq!(
        browser
            .eval("return getComputedStyle(document.documentElement).getPropertyValue('--measure')")
            .await,
        json!("70ch")
    );
    let main_width = browser
        .eval("return document.querySelector('main').getBoundingClientRect().width")
        .await;
    assert_eq!(
        main_width.as_f64(),
        Some(f64::from(Window::PHONE.width)),
        "the column takes the phone's width"
    );

    assert!(!browser.has_horizontal_scroll().await);
    browser.assert_no_console_errors().await;
    browser.screenshot("home-phone").await;
    browser.close().await;
}

#[tokio::test]
async fn the_home_page_fits_a_desktop_window_too() {
    let browser = Browser::start_sized(Window::DESKTOP).await;
    browser.goto("/").await;
    assert_eq!(
        browser.eval("return window.innerWidth").await,
        json!(Window::DESKTOP.width)
    );
    assert!(!browser.has_horizontal_scroll().await);
    browser.assert_no_console_errors().await;
    browser.screenshot("home-desktop").await;
    browser.close().await;
}

/// Every component the stylesheet offers, on a phone: usable, and the page never wider than
/// the screen.
#[tokio::test]
async fn the_stylesheets_components_fit_a_phone_and_are_easy_to_use() {
    let browser = Browser::start().await;
    browser.goto("/").await;
    browser
        .client
        .execute(
            "document.body.innerHTML = arguments[0]",
            vec![json!(COMPONENTS)],
        )
        .await
        .unwrap();

    assert!(!browser.has_horizontal_scroll().await);
    // The wide table scrolls inside its wrapper instead.
    assert_eq!(
        browser
            .eval(
                "const wrapper = document.querySelector('.table-scroll'); \
                 return wrapper.scrollWidth > wrapper.clientWidth"
            )
            .await,
        json!(true)
    );
    // Tap targets are at least 44 px high.
    let too_small = browser
        .eval(
            "return [...document.querySelectorAll('button, .button, input:not([type=checkbox]), \
             select, .site-header a')] \
             .filter(e => e.getBoundingClientRect().height < 44).map(e => e.outerHTML)",
        )
        .await;
    assert_eq!(too_small, json!([]));
    // Labels sit above their inputs, which take the column's width.
    assert_eq!(
        browser
            .eval(
                "const label = document.querySelector('label[for=email]').getBoundingClientRect(); \
                 const input = document.getElementById('email').getBoundingClientRect(); \
                 return label.bottom <= input.top && input.width > 300"
            )
            .await,
        json!(true)
    );
    // A field's error is shown in the error colour, not only by a border.
    assert_ne!(
        browser
            .eval("return getComputedStyle(document.querySelector('.field-error')).color")
            .await,
        browser
            .eval("return getComputedStyle(document.body).color")
            .await
    );
    // Focus is visible.
    assert_eq!(
        browser
            .eval(
                "document.getElementById('email').focus(); \
                 const style = getComputedStyle(document.activeElement); \
                 return [document.activeElement.id, style.outlineStyle, style.outlineWidth]"
            )
            .await,
        json!(["email", "solid", "3px"])
    );
    browser.assert_no_console_errors().await;
    browser.screenshot("styles-phone").await;
    browser.close().await;
}

/// What the stylesheet styles, as pages will use it.
const COMPONENTS: &str = r##"
<a class="skip-link" href="#main">Skip to the content</a>
<header class="site-header">
  <a class="brand" href="/">Groundswell</a>
  <nav aria-label="Main"><ul>
    <li><a href="/" aria-current="page">Movement</a></li>
    <li><a href="/">Activists</a></li>
    <li><a href="/">Stories</a></li>
    <li><a href="/">Sign out</a></li>
  </ul></nav>
</header>
<main id="main">
  <h1>Invite an activist</h1>
  <p class="notice">Invitations go out by email with a sign-in link.</p>
  <p class="notice error" role="alert">One field needs your attention.</p>
  <form>
    <div class="field">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" value="zoë@" aria-invalid="true"
             aria-describedby="email-error">
      <p class="field-error" id="email-error">Enter an address like name@example.org.</p>
    </div>
    <div class="field">
      <label for="unit">Unit</label>
      <select id="unit"><option>Customer support — Lisbon</option></select>
      <p class="hint">Where they work most of the week.</p>
    </div>
    <label class="choice"><input type="checkbox" checked> Send the invitation now</label>
    <div class="actions">
      <button>Invite</button>
      <button class="secondary" type="button">Cancel</button>
      <a class="button danger" href="/">Remove</a>
    </div>
  </form>
  <div class="cards">
    <div class="card"><h2>Reach</h2><p>41 % of the organization within two steps.</p></div>
    <div class="card"><h2>Adoptions</h2><p class="muted">128 this month, 12 units.</p></div>
  </div>
  <div class="table-scroll">
    <table>
      <caption>Activists by unit</caption>
      <thead><tr><th>Unit</th><th>Site</th><th class="num">People</th>
        <th class="num">Activists</th><th class="num">Adopted</th><th>Ties across silos</th></tr></thead>
      <tbody>
        <tr><td>Customer support</td><td>Lisbon</td><td class="num">214</td><td class="num">9</td>
          <td class="num">37 %</td><td>Sales, Product, Finance, Legal</td></tr>
        <tr><td>Research and development</td><td>Nantes</td><td class="num">1,032</td>
          <td class="num">31</td><td class="num">12 %</td><td>Product, Operations</td></tr>
      </tbody>
    </table>
  </div>
  <p>A long link wraps: https://groundswell.example.org/login/verify?token=Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9</p>
</main>
<footer class="site-footer">Groundswell</footer>
"##;

/// The harness itself: fields found by label or name, buttons by text, errors reported.
#[tokio::test]
async fn the_helpers_fill_forms_click_buttons_and_see_console_errors() {
    let browser = Browser::start().await;
    // A form put into the home page, as a page of the platform would have it.
    browser.goto("/").await;
    let form = r#"<form action="/healthz" method="get">
          <label for="email">Email</label> <input id="email" name="email" value="old">
          <label>Ana's "team" <input name="team"></label>
          <input name="code">
          <label for="unit">Unit</label>
          <select id="unit" name="unit"><option value="u1">Sales</option><option value="u2">Support</option></select>
          <button type="button">Not this one</button>
          <button>  Send   it </button>
        </form>"#;
    browser
        .client
        .execute(
            "document.querySelector('main').innerHTML = arguments[0]",
            vec![json!(form)],
        )
        .await
        .unwrap();

    browser.fill("Email", "zoë@example.org").await;
    browser.fill("Ana's \"team\"", "Núcleo").await;
    browser.fill("code", "42").await;
    browser.fill("Unit", "Support").await;
    browser.click_button_and_wait("Send it").await;
    assert_eq!(
        browser.path().await,
        "/healthz?email=zo%C3%AB%40example.org&team=N%C3%BAcleo&code=42&unit=u2"
    );

    // A JSON answer has no icon link, so the browser asked for /favicon.ico (404): forget it.
    let _ = browser.console_errors().await;

    browser.goto("/").await;
    browser.assert_no_console_errors().await;
    browser
        .eval("console.error('something broke'); return null")
        .await;
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|error| error.contains("something broke")),
        "{errors:?}"
    );
    // A missing resource is an error too.
    browser.goto("/assets/missing.css").await;
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|error| error.contains("404")),
        "{errors:?}"
    );
    browser.close().await;
}
