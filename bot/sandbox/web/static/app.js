// Telegram sandbox chat page: plain JS, talks to /_sandbox/api/ (long-polls for changes).
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("sandbox-config").textContent);
  const API = config.api;
  const $ = (id) => document.getElementById(id);
  const view = { userId: null, chatId: null, version: -1, poll: null, writable: true };

  async function api(path, body) {
    const options = body === undefined ? {} : { method: "POST" };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers = { "Content-Type": "application/json" };
    }
    const response = await fetch(API + path, options);
    const data = await response.json();
    if (!data.ok && data.ok !== undefined) throw new Error(data.error || response.statusText);
    return data.result === undefined ? data : data.result;
  }

  function toast(text, alert = false) {
    const box = $("toast");
    box.textContent = text;
    box.className = alert ? "toast alert" : "toast";
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 2500);
  }

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // -- chats ---------------------------------------------------------------------------
  async function loadChats() {
    const state = await api("/state");
    const list = $("chats");
    list.replaceChildren();
    const privateButton = el("button", {
      type: "button", className: "chat-link", textContent: "Private chat with the bot",
    });
    privateButton.dataset.chat = String(view.userId);
    list.append(el("li", {}, [privateButton]));
    for (const chat of state.chats) {
      if (chat.type === "private") continue;
      const button = el("button", { type: "button", className: "chat-link", textContent: chat.title });
      button.dataset.chat = String(chat.id);
      if (!chat.members.includes(view.userId)) button.classList.add("readonly");
      list.append(el("li", {}, [button]));
    }
    for (const button of list.querySelectorAll(".chat-link")) {
      button.addEventListener("click", () => openChat(Number(button.dataset.chat)));
    }
    const current = state.chats.find((c) => c.id === view.chatId);
    view.writable = !current || current.type === "private" || current.members.includes(view.userId);
    markActive();
  }

  function markActive() {
    for (const button of document.querySelectorAll(".chat-link")) {
      button.classList.toggle("active", Number(button.dataset.chat) === view.chatId);
    }
  }

  function openChat(chatId) {
    view.chatId = chatId;
    view.version = -1;
    $("messages").replaceChildren();
    if (view.poll) view.poll.abort();
    markActive();
    loadChats().catch((e) => toast(e.message));
    pollLoop();
  }

  async function pollLoop() {
    const controller = new AbortController();
    view.poll = controller;
    while (!controller.signal.aborted) {
      try {
        const url = `${API}/chats/${view.chatId}/messages?after=${view.version}&wait=25`;
        const response = await fetch(url, { signal: controller.signal });
        const data = await response.json();
        if (!data.ok) throw new Error(data.error);
        if (data.result.version !== view.version) render(data.result);
      } catch (error) {
        if (controller.signal.aborted) return;
        $("chat-status").textContent = "reconnecting… " + error.message;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  // -- rendering -----------------------------------------------------------------------
  function render(payload) {
    view.version = payload.version;
    $("chat-title").textContent = payload.chat.title;
    $("chat-status").textContent = payload.last_action ? `bot: ${payload.last_action}…` : "";
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...payload.messages.map(renderMessage));
    if (atBottom || view.version >= 0) list.scrollTop = list.scrollHeight;
    renderReplyKeyboard(payload.reply_keyboard);
  }

  function renderMessage(m) {
    if (m.service) return el("li", { className: "msg service", textContent: m.service });
    const mine = m.sender_id === view.userId;
    const item = el("li", { className: mine ? "msg mine" : "msg" });
    item.dataset.messageId = m.message_id;
    if (!mine) item.append(el("div", { className: "sender", textContent: m.sender }));
    if (m.forwarded_from) {
      item.append(el("div", { className: "reply", textContent: `Forwarded from ${m.forwarded_from}` }));
    }
    if (m.reply_to) item.append(el("div", { className: "reply", textContent: m.reply_to.text }));
    if (m.photo) item.append(el("img", { src: m.photo, alt: "photo", loading: "lazy" }));
    if (m.document) {
      item.append(el("a", { href: m.document.url, textContent: `📄 ${m.document.name}`, download: m.document.name }));
    }
    if (m.voice) {
      item.append(el("div", { textContent: `🎤 ${m.voice.duration} s` }));
      item.append(el("audio", { src: m.voice.url, controls: true, preload: "none" }));
    }
    if (m.location) {
      const { latitude, longitude } = m.location;
      item.append(el("div", { textContent: `📍 ${latitude.toFixed(5)}, ${longitude.toFixed(5)}` }));
    }
    if (m.contact) {
      item.append(el("div", { textContent: `👤 ${m.contact.first_name} ${m.contact.phone_number}` }));
    }
    if (m.html) {
      const body = el("div", { className: "body" });
      body.innerHTML = m.html; // sanitised server-side: only Telegram's tags, escaped text
      item.append(body);
    }
    if (m.inline_keyboard) item.append(renderInlineKeyboard(m));
    const time = new Date(m.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    item.append(el("div", { className: "meta", textContent: (m.edited ? "edited " : "") + time }));
    return item;
  }

  function renderInlineKeyboard(m) {
    const board = el("div", { className: "inline-keyboard" });
    for (const row of m.inline_keyboard) {
      const line = el("div", { className: "kb-row" });
      for (const button of row) {
        const node = el("button", { type: "button", textContent: button.url ? `${button.text} ↗` : button.text });
        node.addEventListener("click", () => pressButton(m, button, node));
        line.append(node);
      }
      board.append(line);
    }
    return board;
  }

  async function pressButton(m, button, node) {
    if (button.url) { window.open(button.url, "_blank", "noopener"); return; }
    node.disabled = true;
    try {
      const answer = await api("/press_button", {
        user_id: view.userId, chat_id: view.chatId, message_id: m.message_id,
        button: button.callback_data, timeout: 15,
      });
      if (!answer.answered) toast("The bot did not answer the button press (spinner would hang).");
      else if (answer.text) toast(answer.text, answer.show_alert);
    } catch (error) {
      toast(error.message);
    } finally {
      node.disabled = false;
    }
  }

  function renderReplyKeyboard(markup) {
    const box = $("reply-keyboard");
    box.replaceChildren();
    box.hidden = !markup;
    if (!markup) return;
    for (const row of markup.keyboard) {
      const line = el("div", { className: "kb-row" });
      for (const button of row) {
        const node = el("button", { type: "button", textContent: button.text });
        node.addEventListener("click", () => replyButton(button));
        line.append(node);
      }
      box.append(line);
    }
  }

  async function replyButton(button) {
    if (button.request_location) return sendLocation();
    if (button.request_contact) return sendContact();
    return send("/send_text", { text: button.text });
  }

  // -- sending ---------------------------------------------------------------------------
  async function send(path, body) {
    if (!view.writable) { toast("This persona is not a member of this group (view only)."); return; }
    try {
      if (body instanceof FormData) {
        body.append("user_id", view.userId);
        body.append("chat_id", view.chatId);
        await api(path, body);
      } else {
        await api(path, { user_id: view.userId, chat_id: view.chatId, ...body });
      }
    } catch (error) {
      toast(error.message);
    }
  }

  function sendLocation() {
    return send("/send_location", { latitude: Number($("latitude").value), longitude: Number($("longitude").value) });
  }

  function sendContact() {
    const persona = config.personas.find((p) => p.user_id === view.userId) || {};
    const phone = $("phone").value || "+8613800000000";
    return send("/send_contact", {
      phone_number: phone, first_name: persona.name || "User", contact_user_id: view.userId,
    });
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    $("command-menu").hidden = true;
    send("/send_text", { text });
  });

  $("photo-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("photo").files[0];
    if (!file) { toast("Choose an image first."); return; }
    const form = new FormData();
    form.append("photo", file, file.name);
    if ($("caption").value) form.append("caption", $("caption").value);
    send("/send_photo", form).then(() => { $("photo").value = ""; $("caption").value = ""; });
  });

  // The camera panel (present when the sandbox was given cameras): the snapshot goes to the
  // product's camera endpoint through the sandbox, and the alert shows up in the guard group.
  const cameraForm = $("camera-form");
  if (cameraForm) {
    cameraForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = new FormData();
      form.append("camera", $("camera").value);
      const file = $("camera-image").files[0];
      if (file) form.append("image", file, file.name);
      else if ($("camera-sample").value) form.append("sample", $("camera-sample").value);
      else { toast("Pick a sample photo or upload one."); return; }
      if ($("camera-plate").value) form.append("plate", $("camera-plate").value);
      $("camera-result").textContent = "sending…";
      try {
        const result = await api("/camera_event", form);
        const body = result.body || {};
        $("camera-result").textContent = result.status === 202
          ? `accepted (event ${body.event_id}): watch the guard group`
          : `${result.status}: ${body.error || JSON.stringify(body)}`;
        $("camera-image").value = "";
      } catch (error) {
        $("camera-result").textContent = String(error.message || error);
      }
    });
  }

  $("location-form").addEventListener("submit", (event) => { event.preventDefault(); sendLocation(); });
  $("contact-form").addEventListener("submit", (event) => { event.preventDefault(); sendContact(); });

  $("menu-button").addEventListener("click", async () => {
    const menu = $("command-menu");
    if (!menu.hidden) { menu.hidden = true; return; }
    const commands = await api(`/commands?user_id=${view.userId}&chat_id=${view.chatId}`);
    menu.replaceChildren(...(commands.length ? commands : [{ command: "", description: "(no commands set)" }])
      .map((c) => {
        const item = el("li", { textContent: c.command ? `/${c.command} — ${c.description}` : c.description });
        if (c.command) item.addEventListener("click", () => { $("text").value = `/${c.command} `; $("text").focus(); menu.hidden = true; });
        return item;
      }));
    menu.hidden = false;
  });

  $("persona").addEventListener("change", () => {
    const previous = view.userId;
    view.userId = Number($("persona").value);
    openChat(view.chatId === previous || view.chatId === null ? view.userId : view.chatId);
  });

  if ($("persona").value) {
    view.userId = Number($("persona").value);
    openChat(view.userId);
  }
})();
