// Keeps the newest chat message in view while a reply streams (the chat's Stop button shows),
// unless the user scrolled up on purpose; scrolling back down to the bottom follows again.
// Installed once per page: st.html runs this on every rerun.
//
// "On purpose" is read from the user's own input (wheel, touch, keys, a drag of the scrollbar),
// never from scroll positions alone: a redraw moves scrollTop too, and a wheel's smooth scroll
// is still under way when the next words arrive.
//
// Streamlit's own stick-to-bottom (the main area is its "scroll to bottom" container) also
// scrolls back down when the page grew during a scroll, which is nearly always so while a reply
// streams: that is what undid a user's scroll up. So while the user is scrolled up, on the Chat
// page, writes to the main area's scrollTop are ignored; the user's own scrolling never goes
// through them.
(() => {
  if (window.reshiChatFollow) return;
  window.reshiChatFollow = true;
  const NEAR_BOTTOM_PX = 48;
  const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
  const DOWN_KEYS = new Set(['ArrowDown', 'PageDown', 'End', ' ']);
  let pinned = true;       // false once the user scrolled up, until the bottom or a new reply
  let goingDown = false;   // the user's last scroll went down: reaching the bottom follows again
  let dragging = false;    // the user holds the scrollbar
  let streaming = false;
  let touchY = null;
  const scrollTop = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop');
  const onChat = () => document.querySelector('[data-testid="stChatInput"]') !== null;
  const main = () => {
    const el = document.querySelector('.stMain');
    if (el && !el.reshiHoldsScroll) {  // a main area Streamlit made anew: hold it too
      el.reshiHoldsScroll = true;
      Object.defineProperty(el, 'scrollTop', {
        configurable: true,
        get() { return scrollTop.get.call(this); },
        set(value) { if (pinned || !onChat()) scrollTop.set.call(this, value); },
      });
    }
    return el;
  };
  const inMain = (target) => target instanceof Node && main()?.contains(target);
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
  const userScrolls = (up) => {
    goingDown = !up;
    if (up) pinned = false;
  };
  const typing = (target) => target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

  const options = {capture: true, passive: true};
  document.addEventListener('wheel', (event) => {
    if (inMain(event.target) && event.deltaY !== 0) userScrolls(event.deltaY < 0);
  }, options);
  document.addEventListener('touchstart', (event) => {
    touchY = event.touches[0]?.clientY ?? null;
  }, options);
  document.addEventListener('touchmove', (event) => {
    const y = event.touches[0]?.clientY;
    if (touchY === null || y === undefined || !inMain(event.target) || Math.abs(y - touchY) < 4) return;
    userScrolls(y > touchY);  // a finger moving down the screen scrolls the page up
    touchY = y;
  }, options);
  document.addEventListener('keydown', (event) => {
    if (typing(event.target)) return;
    if (UP_KEYS.has(event.key)) userScrolls(true);
    else if (DOWN_KEYS.has(event.key)) userScrolls(false);
  }, options);
  document.addEventListener('pointerdown', (event) => {
    const el = main();
    if (event.target !== el || event.offsetX < el.clientWidth) return;  // not on its scrollbar
    dragging = true;
    userScrolls(true);
  }, options);
  document.addEventListener('pointerup', () => {
    const el = main();
    if (dragging && el && nearBottom(el)) pinned = true;  // let go at the bottom: follow again
    dragging = false;
  }, options);
  document.addEventListener('scroll', (event) => {
    const el = main();
    if (event.target === el && !pinned && goingDown && !dragging && nearBottom(el)) pinned = true;
  }, options);

  // Once a frame, not on every batch of changes: the look for the Stop button reads the whole
  // page, and the scroll makes the browser lay it out there and then, ahead of the next words.
  let queued = false;
  const follow = () => {
    queued = false;
    const el = main();
    const now = document.querySelector('[class*="st-key-chat_stop"]') !== null;
    if (now && !streaming) {  // a new reply: follow it, whatever happened before
      pinned = true;
      goingDown = false;
    }
    streaming = now;
    if (el && streaming && pinned) el.scrollTop = el.scrollHeight;
  };
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(follow);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
})();
