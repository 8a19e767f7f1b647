import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { LiveStore } from './live';

export const StoreContext = createContext<LiveStore | null>(null);

export function useStore(): LiveStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext missing');
  return store;
}
