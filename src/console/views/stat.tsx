/** One big number with its label. */
export function Stat(props: { value: number | string; label: string }) {
  return (
    <div class="stat">
      <b>{props.value}</b>
      <span>{props.label}</span>
    </div>
  );
}
