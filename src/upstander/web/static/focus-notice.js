// The page that answers a form says what happened in a notice near the top. Focus goes to it, so a
// screen reader reads it out and the keyboard carries on from there rather than from the top of the
// page. A page that names its own first stop (autofocus, as the report form's error summary does,
// which works with scripts off too) keeps it.
document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector("[autofocus]")) return;
  const notice = document.querySelector('main .notice[role="alert"], main .notice[role="status"]');
  if (!notice) return;
  if (!notice.hasAttribute("tabindex")) notice.setAttribute("tabindex", "-1");
  notice.focus();
});
