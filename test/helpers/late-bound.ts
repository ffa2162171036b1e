/**
 * A stand-in for a value that a `beforeAll` creates: every property read is forwarded to the
 * value `current()` returns at that moment. This lets a fixture be
 * declared once at the top of a file, `const { stack } = useStack()`, and read in tests as
 * `stack.api…` with no `let` and no assignment in a hook. Reading it before the hook ran (at
 * import, or in `describe`'s body) fails with a message naming `what`.
 */
export function lateBound<T extends object>(what: string, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (value === undefined) throw new Error(`${what} exists only inside tests and hooks (a beforeAll starts it)`);
    return value;
  };
  return new Proxy({} as T, {
    get(_stub, property) {
      // Not a thenable: `await` or a returned promise must not mistake the stand-in for one.
      if (property === "then") return undefined;
      const value = current();
      // Inspection (util.inspect, toPrimitive…) of a value not there yet answers "nothing".
      if (value === undefined && typeof property === "symbol") return undefined;
      const real = target();
      const read: unknown = Reflect.get(real, property, real);
      // A class's methods (on the prototype) run on the real value, so that private fields work;
      // a function the value holds itself (an Express app, a callback) is handed out as it is.
      if (typeof read !== "function" || Object.prototype.hasOwnProperty.call(real, property)) return read;
      return Function.prototype.bind.call(read, real) as unknown;
    },
    set(_stub, property, value) {
      return Reflect.set(target(), property, value);
    },
    has(_stub, property) {
      return Reflect.has(target(), property);
    },
    ownKeys() {
      return Reflect.ownKeys(target());
    },
    getOwnPropertyDescriptor(_stub, property) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), property);
      // The stub is extensible, so a proxy may report the real value's properties as configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  });
}
