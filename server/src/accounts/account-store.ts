import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { Email, LIMITS, User, UserId, type Author, type UserRole } from "@liveline/protocol";
import type { AccountKeys, RedisClient } from "@liveline/core";
import { LivelineError } from "../errors.js";
import type { Principal } from "../auth/principal.js";

/** A user as stored: what the API shows, and its password hash (never shown). */
const StoredUser = User.omit({ hasPassword: true }).extend({ passwordHash: z.string().optional() });
type StoredUser = z.infer<typeof StoredUser>;

const StoredSession = z.object({ userId: UserId, expiresAt: z.number() });

/** What a new account is made of (the password already hashed). */
export interface NewUser {
  email: string;
  name: string;
  role: UserRole;
  feeds: "*" | string[];
  passwordHash?: string | undefined;
  title?: string | undefined;
  avatarUrl?: string | undefined;
}

/** What an update changes (undefined: left as it is; null: a title or picture removed). */
export type UserChange = { [K in "name" | "role" | "feeds" | "passwordHash"]?: NewUser[K] | undefined } & {
  [K in "title" | "avatarUrl"]?: string | null | undefined;
};

/** Session cookies and reset links are 32 random bytes; Redis keeps only their SHA-256. */
const secret = () => randomBytes(32).toString("base64url");
const digestOf = (token: string) => createHash("sha256").update(token).digest("base64url");

function decode(json: string | null | undefined): StoredUser | undefined {
  return json == null ? undefined : StoredUser.parse(JSON.parse(json));
}

export function publicUser({ passwordHash, ...user }: StoredUser): User {
  return { ...user, hasPassword: passwordHash !== undefined };
}

/** A person's default byline: their name (as long as a byline's may be), title and picture. */
export function bylineOf(user: Pick<StoredUser, "name" | "title" | "avatarUrl">): Author {
  return {
    name: user.name.slice(0, LIMITS.maxAuthorNameChars).trim(),
    ...(user.title === undefined ? {} : { role: user.title }),
    ...(user.avatarUrl === undefined ? {} : { avatarUrl: user.avatarUrl }),
  };
}

/** The principal of a signed-in person: the API's access levels follow from its role and feeds. */
export function principalOf(user: StoredUser, expiresAt: number): Principal {
  return {
    sub: user.id,
    name: user.name,
    role: user.role,
    feeds: user.feeds,
    session: { email: user.email, expiresAt },
  };
}

/**
 * People's accounts, their sessions and password-reset links, in Redis (keys from redis-keys.ts).
 * Sessions are looked up on every request, so a changed role or a deleted account counts at once.
 */
export class AccountStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: AccountKeys,
  ) {}

  async create(input: NewUser): Promise<User> {
    const now = new Date().toISOString();
    const user: StoredUser = {
      id: `u_${randomBytes(16).toString("base64url")}`,
      email: input.email,
      name: input.name,
      role: input.role,
      feeds: input.feeds,
      ...(input.passwordHash === undefined ? {} : { passwordHash: input.passwordHash }),
      ...(input.title === undefined ? {} : { title: input.title }),
      ...(input.avatarUrl === undefined ? {} : { avatarUrl: input.avatarUrl }),
      createdAt: now,
      updatedAt: now,
    };
    // The email is claimed first: two admins adding the same person make one account.
    if ((await this.redis.hsetnx(this.keys.emails, user.email, user.id)) === 0) {
      throw new LivelineError("user_exists", `an account has the email ${user.email} already`);
    }
    await this.redis.hset(this.keys.users, user.id, JSON.stringify(user));
    return publicUser(user);
  }

  async list(): Promise<User[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.users));
    return all
      .map((json) => decode(json))
      .filter((u): u is StoredUser => u !== undefined)
      .map(publicUser)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async find(userId: string): Promise<StoredUser | undefined> {
    return decode(await this.redis.hget(this.keys.users, userId));
  }

  async get(userId: string): Promise<StoredUser> {
    const user = await this.find(userId);
    if (user === undefined) throw new LivelineError("user_not_found", `no account has the id ${userId}`);
    return user;
  }

  async findByEmail(email: string): Promise<StoredUser | undefined> {
    const id = await this.redis.hget(this.keys.emails, Email.parse(email));
    return id === null ? undefined : this.find(id);
  }

  /** The account a single sign-on identity (its issuer and subject) was linked to. */
  async findBySubject(issuer: string, subject: string): Promise<StoredUser | undefined> {
    const id = await this.redis.hget(this.keys.subjects, `${issuer} ${subject}`);
    return id === null ? undefined : this.find(id);
  }

  /** Links a single sign-on identity to an account: it signs in to that account from now on. */
  async linkSubject(issuer: string, subject: string, userId: string): Promise<void> {
    await this.redis.hset(this.keys.subjects, `${issuer} ${subject}`, userId);
  }

  /** Changes an account; a new role, feeds or password ends its sessions (it signs in again). */
  async update(userId: string, change: UserChange): Promise<User> {
    const user = await this.get(userId);
    const merged: Record<string, unknown> = {
      ...user,
      ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
      updatedAt: new Date().toISOString(),
    };
    for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
    const next = StoredUser.parse(merged);
    await this.redis.hset(this.keys.users, userId, JSON.stringify(next));
    const narrower = change.role !== undefined || change.feeds !== undefined || change.passwordHash !== undefined;
    if (narrower) await this.endSessionsOf(userId);
    return publicUser(next);
  }

  async delete(userId: string): Promise<void> {
    const user = await this.get(userId);
    await this.redis.multi().hdel(this.keys.users, userId).hdel(this.keys.emails, user.email).exec();
    const links = Object.entries(await this.redis.hgetall(this.keys.subjects)).filter(([, id]) => id === userId);
    if (links.length > 0) await this.redis.hdel(this.keys.subjects, ...links.map(([identity]) => identity));
    await this.endSessionsOf(userId);
  }

  /** Opens a session for `userId`: the cookie's value (only its digest is stored). */
  async openSession(userId: string, ttlSeconds: number): Promise<{ token: string; expiresAt: number }> {
    const token = secret();
    const digest = digestOf(token);
    const expiresAt = Date.now() + ttlSeconds * 1000;
    await this.redis
      .multi()
      .set(this.keys.session(digest), JSON.stringify({ userId, expiresAt }), "EX", ttlSeconds)
      .sadd(this.keys.sessionsOf(userId), digest)
      .expire(this.keys.sessionsOf(userId), ttlSeconds)
      .exec();
    return { token, expiresAt };
  }

  /** The principal of a session cookie's value, or undefined when it names no open session. */
  async sessionPrincipal(token: string): Promise<Principal | undefined> {
    const raw = await this.redis.get(this.keys.session(digestOf(token)));
    if (raw === null) return undefined;
    const session = StoredSession.safeParse(JSON.parse(raw));
    if (!session.success) return undefined;
    const user = await this.find(session.data.userId);
    return user === undefined ? undefined : principalOf(user, session.data.expiresAt);
  }

  async endSession(token: string): Promise<void> {
    const digest = digestOf(token);
    const key = this.keys.session(digest);
    const raw = await this.redis.getdel(key);
    const userId = raw === null ? undefined : StoredSession.safeParse(JSON.parse(raw)).data?.userId;
    if (userId !== undefined) await this.redis.srem(this.keys.sessionsOf(userId), digest);
  }

  async endSessionsOf(userId: string): Promise<void> {
    const digests = await this.redis.smembers(this.keys.sessionsOf(userId));
    const multi = this.redis.multi();
    for (const d of digests) multi.del(this.keys.session(d));
    await multi.del(this.keys.sessionsOf(userId)).exec();
  }

  /** A one-time token that lets `userId` set a password within `ttlSeconds`. */
  async issueReset(userId: string, ttlSeconds: number): Promise<string> {
    await this.get(userId);
    const token = secret();
    await this.redis.set(this.keys.reset(digestOf(token)), userId, "EX", ttlSeconds);
    return token;
  }

  /** The user a reset token was issued for, spending it (GETDEL: one use, even when two race). */
  async spendReset(token: string): Promise<StoredUser> {
    const userId = await this.redis.getdel(this.keys.reset(digestOf(token)));
    const user = userId === null ? undefined : await this.find(userId);
    if (user === undefined) {
      throw new LivelineError("reset_link_invalid", "this link was used, has expired, or was never issued");
    }
    return user;
  }
}
