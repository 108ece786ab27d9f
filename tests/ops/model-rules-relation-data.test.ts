/**
 * The Model's relation data rules as a charm meets them, one dispatch at a time
 * (framework/testing's Context): which databags a unit may read and write, string
 * values, and typed load/save.
 */
import { z } from 'zod';
import {
  RelationDataAccessError,
  RelationDataError,
  RelationDataTypeError,
} from '../../framework/ops/index.js';
import { Relation, State } from '../../framework/testing/index.js';
import { db, errorOf, peers, resetRulesCharm, runProbe } from './model-rules-fixture.js';

beforeEach(resetRulesCharm);

describe('databag access rules', () => {
  it('own unit bag: readable and writable; written keys are committed, "" deletes', async () => {
    const rel = db();
    const out = await runProbe(
      (c) => {
        const bag = c.model.getRelation('db')!.data.get(c.unit);
        bag.update({ ready: 'true', 'private-address': '' });
      },
      State({ relations: [rel] }),
    );
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ ready: 'true' });
    expect(out.getRelation(rel.id).localUnitData['private-address']).toBeUndefined();
  });

  it('remote unit and remote app bags: readable, never writable', async () => {
    const rel = db();
    const seen: string[] = [];
    await runProbe(
      (c) => {
        const r = c.model.getRelation('db')!;
        seen.push(
          r.data.get(r.app).get('port') ?? '',
          r.data.get([...r.units][0]!).get('ingress-address') ?? '',
        );
      },
      State({ relations: [rel] }),
    );
    expect(seen).toEqual(['5432', '10.0.0.5']);
    const e1 = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getRelation('db')!.app).set('x', 'y'),
      State({ relations: [rel] }),
    );
    expect(e1).toBeInstanceOf(RelationDataAccessError);
    expect(String(e1)).toMatch(/remote databags are read-only/);
    const e2 = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getUnit('pg/0')).set('x', 'y'),
      State({ relations: [rel] }),
    );
    expect(e2).toBeInstanceOf(RelationDataAccessError);
  });

  it('own app bag: the leader reads and writes it', async () => {
    const rel = db();
    const out = await runProbe(
      (c) => {
        const bag = c.model.getRelation('db')!.data.get(c.app);
        expect(bag.get('mine')).toBe('x');
        bag.set('leader-wrote', '1');
      },
      State({ leader: true, relations: [rel] }),
    );
    expect(out.getRelation(rel.id).localAppData).toEqual({ mine: 'x', 'leader-wrote': '1' });
  });

  it('own app bag on a non-peer relation: a non-leader can neither read nor write it', async () => {
    const read = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.app).get('mine'),
      State({ leader: false, relations: [db()] }),
    );
    expect(read).toBeInstanceOf(RelationDataAccessError);
    expect(String(read)).toMatch(/only the leader can read its own application's databag/);
    const write = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.app).set('a', 'b'),
      State({ leader: false, relations: [db()] }),
    );
    expect(String(write)).toMatch(/only the leader can write its application's databag/);
  });

  it('own app bag on a peer relation: a non-leader reads it but cannot write it', async () => {
    const seen: string[] = [];
    await runProbe(
      (c) => seen.push(c.model.getRelation('peers')!.data.get(c.app).get('shared') ?? ''),
      State({ leader: false, relations: [peers()] }),
    );
    expect(seen).toEqual(['v']);
    const write = await errorOf(
      (c) => c.model.getRelation('peers')!.data.get(c.app).set('a', 'b'),
      State({ leader: false, relations: [peers()] }),
    );
    expect(write).toBeInstanceOf(RelationDataAccessError);
  });

  it('values must be strings', async () => {
    const e = await errorOf(
      (c) =>
        c.model
          .getRelation('db')!
          .data.get(c.unit)
          .set('n', 5 as unknown as string),
      State({ relations: [db()] }),
    );
    expect(e).toBeInstanceOf(RelationDataTypeError);
    expect(String(e)).toMatch(/value for 'n' must be a string, got number/);
  });

  it('a unit outside the relation has no databag there', async () => {
    const e = await errorOf(
      (c) => c.model.getRelation('db')!.data.get(c.model.getUnit('other/3')),
      State({ relations: [db()] }),
    );
    expect(String(e)).toMatch(/other\/3 is not part of relation db:/);
  });
});

describe('typed relation data', () => {
  const Remote = z.object({ host: z.string(), port: z.number().int() });
  const Mine = z.object({ ready: z.boolean(), nodes: z.array(z.string()), note: z.string().optional() });

  it('load decodes one JSON value per key; save writes one key per field as JSON', async () => {
    const rel = db();
    let loaded: unknown;
    const out = await runProbe(
      (c) => {
        const r = c.model.getRelation('db')!;
        loaded = r.load(Remote, r.app);
        r.save(Mine, { ready: true, nodes: ['a', 'b'] }, c.unit);
      },
      State({ relations: [rel] }),
    );
    expect(loaded).toEqual({ host: '10.0.0.5', port: 5432 });
    expect(out.getRelation(rel.id).localUnitData).toMatchObject({ ready: 'true', nodes: '["a","b"]' });
    expect(out.getRelation(rel.id).load(Mine, 'localUnit')).toEqual({ ready: true, nodes: ['a', 'b'] });
  });

  it('remote data that fails the schema raises RelationDataError naming the app, field and reason', async () => {
    const rel = Relation({
      endpoint: 'db',
      remoteAppName: 'pg',
      remoteAppData: { host: '"h"', port: '"not-a-number"' },
    });
    const e = await errorOf(
      (c) => {
        const r = c.model.getRelation('db')!;
        return r.load(Remote, r.app);
      },
      State({ relations: [rel] }),
    );
    expect(e).toBeInstanceOf(RelationDataError);
    const err = e as RelationDataError;
    expect(err.source).toBe('pg');
    expect(err.issues).toEqual([{ field: 'port', reason: expect.stringMatching(/number/) }]);
    expect(err.message).toMatch(/^pg sent invalid data on relation db:\d+: port: /);
  });

  it('refuses to save data that fails its own schema', async () => {
    const e = await errorOf(
      (c) => c.model.getRelation('db')!.save(Mine, { ready: 'yes' } as never, c.unit),
      State({ relations: [db()] }),
    );
    expect(e).toBeInstanceOf(RelationDataError);
  });
});
