import { parseTerminalInput } from '../../../bot/src/terminal/parse-terminal-input';

const p = (line: string) => parseTerminalInput(line, 'here-node');

describe('terminal input', () => {
  it.each([
    ['', { kind: 'empty' }],
    ['2', { kind: 'choice', number: 2 }],
    ['quit', { kind: 'quit' }],
    ['pods', { kind: 'pods' }],
    ['list pods', { kind: 'pods' }],
    ['audit', { kind: 'audit' }],
    ['help', { kind: 'help' }],
  ])('%j is %j', (line, want) => expect(p(line)).toEqual(want));

  it.each([
    ['why is pid 1234 stuck?', { kind: 'pid', pid: '1234', node: 'here-node' }],
    ['pid 1234', { kind: 'pid', pid: '1234', node: 'here-node' }],
    ['what is process 77 doing on node-7', { kind: 'pid', pid: '77', node: 'node-7' }],
    ['pid node-7 8912', { kind: 'pid', node: 'node-7', pid: '8912' }],
    ["what's stuck here", { kind: 'node', node: 'here-node' }],
    ['any zombies?', { kind: 'node', node: 'here-node', focus: 'zombies' }],
    ['anything in D state?', { kind: 'node', node: 'here-node', focus: 'D' }],
    ["what's wrong with node this", { kind: 'node', node: 'here-node' }],
    ["what's wrong with node host22055", { kind: 'node', node: 'host22055' }],
    ['why is pod 6f1c2a4e stuck', { kind: 'pod', name: '6f1c2a4e' }],
    ['/whystuck pod prometheus-0 -n monitoring', { kind: 'pod', name: 'prometheus-0', namespace: 'monitoring' }],
    ['show the stack of 8912', { kind: 'stack', pid: '8912' }],
    ['kill 112272', { kind: 'kill', pid: '112272', signal: 'SIGKILL' }],
    ['dmesg', { kind: 'dmesg' }],
    ['recheck', { kind: 'recheck' }],
    ['make me a sandwich', { kind: 'unknown', text: 'make me a sandwich' }],
  ])('%j asks %j', (line, intent) => expect(p(line)).toEqual({ kind: 'intent', intent: expect.objectContaining(intent) }));
});
