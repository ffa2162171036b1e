// The package ships no types: its default export computes a key's Redis Cluster hash slot.
declare module "cluster-key-slot" {
  export default function calculateSlot(key: string | Buffer): number;
}
