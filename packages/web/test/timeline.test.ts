/** The sandbox's receipt timeline: what is reached, skipped and to come, and where a refusal ends it. */
import { describe, expect, it } from 'vitest';
import { timeline } from '../src/components/timeline.js';

const at = (minute: number) => `2026-11-21T02:${String(minute).padStart(2, '0')}:00.000Z`;
const receipts = (...channels: string[]) => channels.map((channel, i) => ({ channel, createdAt: at(i) }));
const states = (t: ReturnType<typeof timeline>) => t.steps.map((s) => `${s.zh}:${s.state}`);

describe('receipt timeline', () => {
  it('a cleared declaration: every step reached, 查验 skipped, no refusal', () => {
    const t = timeline(receipts('7', 'L', 'J', 'P', 'R'));
    expect(states(t)).toEqual(['申报:done', '入库:done', '审结:done', '查验:skipped', '放行:done', '结关:done']);
    expect(t.refused).toBeNull();
  });

  it('never draws 退单 after 结关: a refusal issued after clearing stays off the timeline', () => {
    const t = timeline(receipts('7', 'L', 'J', 'P', 'R', 'E'));
    expect(t.refused).toBeNull();
    expect(t.steps.at(-1)).toMatchObject({ zh: '结关', state: 'done' });
  });

  it('a refusal ends the road: the steps stop at the last one reached, then 退单; nothing after it is drawn', () => {
    const t = timeline(receipts('7', 'L', 'E'));
    expect(states(t)).toEqual(['申报:done', '入库:done']);
    expect(t.refused?.channel).toBe('E');
    // a 结关 after the refusal does not bring the later steps back
    const late = timeline(receipts('7', 'L', 'E', 'P', 'R'));
    expect(states(late)).toEqual(['申报:done', '入库:done']);
    expect(late.refused?.channel).toBe('E');
  });

  it('reads the receipts in the order they came, whatever order the list has', () => {
    const t = timeline(receipts('7', 'L', 'J', 'P', 'R', 'E').reverse());
    expect(t.refused).toBeNull();
    expect(t.steps.every((s) => s.state !== 'todo')).toBe(true);
  });

  it('a declaration under way: the steps not reached yet are still to come', () => {
    expect(states(timeline(receipts('7', 'L')))).toEqual(['申报:done', '入库:done', '审结:todo', '查验:todo', '放行:todo', '结关:todo']);
  });
});
