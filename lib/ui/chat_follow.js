// Keeps the newest chat message in view while a reply streams (the chat's Stop button shows),
// unless the user scrolled up on purpose; scrolling back to the bottom follows again. Installed
// once per page: st.html runs this on every rerun.
(() => {
  if (window.reshiChatFollow) return;
  window.reshiChatFollow = true;
  const NEAR_BOTTOM_PX = 48;
  let pinned = true;   // false once the user scrolled up during a stream
  let ownTop = null;   // where this script last scrolled to: a scroll above it is the user's
  let streaming = false;
  const main = () => document.querySelector('.stMain');
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  document.addEventListener('scroll', (event) => {
    const el = main();
    if (event.target !== el) return;
    if (nearBottom(el)) pinned = true;
    else if (ownTop !== null && el.scrollTop < ownTop - 4) pinned = false;
  }, true);
  new MutationObserver(() => {
    const el = main();
    const now = document.querySelector('.st-key-chat_stop') !== null;
    if (now && !streaming) pinned = true;  // a new reply: follow it, whatever happened before
    streaming = now;
    if (!el || !streaming || !pinned) return;
    el.scrollTop = el.scrollHeight;
    ownTop = el.scrollTop;
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
})();
