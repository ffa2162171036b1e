/**
 * Sign-in comes first: the desk shows once the console knows who it speaks for, a person signed
 * in (email and password, or single sign-on: the HttpOnly session cookie) or an API token (a
 * service account's, kept in this tab's sessionStorage). Sign out ends either.
 */
import type { Session } from "@liveline/protocol";
import { ApiError, api, describeError, token } from "./console-api.js";

export interface SignInUi {
  screen: HTMLElement;
  title: HTMLElement;
  resetForm: HTMLFormElement;
  newPassword: HTMLInputElement;
  desk: HTMLElement;
  ssoBox: HTMLElement;
  sso: HTMLAnchorElement;
  form: HTMLFormElement;
  email: HTMLInputElement;
  password: HTMLInputElement;
  message: HTMLElement;
  tokenForm: HTMLFormElement;
  token: HTMLInputElement;
  who: HTMLElement;
  picture: HTMLImageElement;
  signOut: HTMLButtonElement;
}

export class SignIn {
  private started = false;

  constructor(
    private readonly ui: SignInUi,
    /** Told who the console speaks for whenever it learns it (undefined: a token not checked yet). */
    private readonly onSession: (session: Session | undefined) => void,
    /** Runs once, when the desk first shows. */
    private readonly onDesk: () => void,
  ) {
    ui.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.withPassword();
    });
    ui.tokenForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const t = ui.token.value.trim();
      ui.token.value = "";
      if (t === "") return;
      token.set(t);
      void this.check();
    });
    ui.signOut.addEventListener("click", () => void this.signOut());
    ui.resetForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      void this.setPassword();
    });
  }

  /** The token of a password-reset link (`/console#reset=<token>`, handed over by an admin). */
  private get resetToken(): string | undefined {
    return /^#reset=([\w-]{43})$/.exec(location.hash)?.[1];
  }

  private async setPassword(): Promise<void> {
    const resetToken = this.resetToken;
    if (resetToken === undefined) return;
    try {
      await api.request("POST /v1/password-reset", {
        body: { token: resetToken, password: this.ui.newPassword.value },
      });
      this.ui.newPassword.value = "";
      // The link is spent: off the address bar and out of the history.
      history.replaceState(null, "", location.pathname + location.search);
      await this.showScreen("Your password is set: sign in with it.", true);
    } catch (err) {
      this.say(
        err instanceof ApiError && err.code === "reset_link_invalid"
          ? "This link was used, has expired or was never issued: ask an admin for a new one."
          : describeError(err),
      );
    }
  }

  private say(text: string, ok = false): void {
    this.ui.message.textContent = text;
    this.ui.message.classList.toggle("ok", ok);
  }

  /** Shows the desk at once when this tab holds a token (checked behind it), else asks the server. */
  async begin(): Promise<void> {
    if (this.resetToken !== undefined) return this.showScreen("");
    if (token.get() !== null) this.showDesk(undefined);
    await this.check();
  }

  /** Who this tab speaks for: the desk when someone, the sign-in screen when no one. */
  private async check(): Promise<void> {
    try {
      const { data } = await api.request("GET /v1/session");
      this.showDesk(data);
    } catch (err) {
      const hadToken = token.get() !== null;
      if (err instanceof ApiError && (err.code === "unauthorized" || err.code === "token_expired")) {
        token.clear();
        await this.showScreen(hadToken ? "That token was refused: check it, or sign in." : "");
      } else await this.showScreen(describeError(err));
    }
  }

  private async withPassword(): Promise<void> {
    this.say("");
    try {
      const { data } = await api.request("POST /v1/session", {
        body: { email: this.ui.email.value.trim(), password: this.ui.password.value },
      });
      this.ui.password.value = "";
      this.showDesk(data);
    } catch (err) {
      this.say(
        err instanceof ApiError && err.code === "invalid_credentials"
          ? "That email and password do not match an account."
          : describeError(err),
      );
    }
  }

  private async signOut(): Promise<void> {
    const wasToken = token.get() !== null;
    token.clear();
    if (!wasToken) await api.request("DELETE /v1/session").catch(() => undefined);
    // A fresh page: nothing of the desk (feeds, drafts in memory) stays on screen.
    location.reload();
  }

  /** The sign-in screen, or with a reset link in the address, the form that sets a password. */
  private async showScreen(message: string, ok = false): Promise<void> {
    this.ui.desk.hidden = true;
    this.ui.screen.hidden = false;
    this.say(message, ok);
    const resetting = this.resetToken !== undefined;
    this.ui.resetForm.hidden = !resetting;
    this.ui.form.hidden = resetting;
    const tokenBox = this.ui.tokenForm.parentElement;
    if (tokenBox !== null) tokenBox.hidden = resetting;
    this.ui.title.textContent = resetting ? "Set your password" : "Sign in to the Liveline console";
    if (resetting) {
      this.ui.ssoBox.hidden = true;
      return;
    }
    try {
      const { data } = await api.request("GET /v1/session/methods");
      if (data.sso !== undefined) {
        this.ui.sso.href = data.sso.url;
        this.ui.sso.textContent = `Sign in with ${data.sso.label}`;
        this.ui.ssoBox.hidden = false;
      }
    } catch {
      // Email and password stay offered.
    }
  }

  private showDesk(session: Session | undefined): void {
    this.ui.screen.hidden = true;
    this.ui.desk.hidden = false;
    const via = token.get() !== null ? " (API token)" : "";
    this.ui.who.textContent = session === undefined ? "API token" : `${session.name}${via}`;
    const picture = session?.byline?.avatarUrl;
    this.ui.picture.hidden = picture === undefined;
    if (picture !== undefined) this.ui.picture.src = picture;
    this.onSession(session);
    if (this.started) return;
    this.started = true;
    this.onDesk();
  }
}
