// The few Svelte and Angular declarations the recipes in examples/svelte and examples/angular
// use, as those frameworks publish them, so the recipes are type-checked (`npm run typecheck`)
// without installing either framework. React and Vue are installed and checked for real.

declare module 'svelte/store' {
  export type Subscriber<T> = (value: T) => void;
  export type Unsubscriber = () => void;
  export type Updater<T> = (value: T) => T;
  export type StartStopNotifier<T> = (set: (value: T) => void, update: (fn: Updater<T>) => void) => void | (() => void);
  export interface Readable<T> {
    subscribe(this: void, run: Subscriber<T>, invalidate?: () => void): Unsubscriber;
  }
  export function readable<T>(value?: T, start?: StartStopNotifier<T>): Readable<T>;
}

declare module '@angular/core' {
  export interface Signal<T> {
    (): T;
  }
  export interface WritableSignal<T> extends Signal<T> {
    set(value: T): void;
    update(updateFn: (value: T) => T): void;
    asReadonly(): Signal<T>;
  }
  export function signal<T>(initialValue: T): WritableSignal<T>;
  export function Injectable(options?: { providedIn: 'root' | 'platform' | 'any' | null }): ClassDecorator;
}

declare module '@angular/router' {
  export interface RouterStateSnapshot {
    url: string;
  }
  export type GuardResult = boolean;
  export type CanActivateFn = (route: unknown, state: RouterStateSnapshot) => GuardResult | Promise<GuardResult>;
}
