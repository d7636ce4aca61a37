/**
 * Validators for the machine outputs: the official SARIF 2.1.0 schema (draft-04, shipped in
 * ../shared/corpus/sarif), GitHub code scanning's extra rules, and our own JSON Schemas (schema/).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type * as Sarif from 'sarif';
import { PACKAGE_ROOT, SHARED } from '../helpers.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

let sarifValidate: Validate | undefined;

export function validateSarif(log: unknown): void {
  if (!sarifValidate) {
    const ajv = new AjvDraft04({ allErrors: true, strict: false });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(join(SHARED, 'corpus/sarif/sarif-schema-2.1.0.json'), 'utf8'));
    sarifValidate = ajv.compile(schema) as Validate;
  }
  const ok = sarifValidate(log);
  assert.ok(ok, `SARIF schema errors: ${JSON.stringify(sarifValidate.errors, null, 2).slice(0, 4000)}`);
}

/**
 * GitHub code scanning's rules beyond the schema (docs.github.com, "SARIF support for code scanning"):
 * unique rule ids that every result names, relative URIs with a uriBaseId for repository files, regions
 * starting at line 1 or later, fingerprints, security-severity between 0 and 10, at most 20 tags, and the
 * upload limits (25,000 results and rules per run, 1,000 locations per result).
 */
export function checkGithubRules(log: Sarif.Log): void {
  assert.equal(log.version, '2.1.0');
  assert.ok(log.runs.length >= 1 && log.runs.length <= 20, 'at most 20 runs');
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    assert.ok(run.tool.driver.name, 'tool.driver.name');
    assert.ok(rules.length <= 25_000);
    const ids = rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
    for (const r of rules) {
      assert.match(r.id, /^[a-z0-9-]+\/[a-z0-9-]+$/, `rule id ${r.id}`);
      assert.ok(r.shortDescription?.text, `${r.id}: shortDescription`);
      assert.ok(r.fullDescription?.text, `${r.id}: fullDescription`);
      assert.ok(r.help?.text, `${r.id}: help.text`);
      assert.ok(r.helpUri && /^(file|https?):\/\//.test(r.helpUri), `${r.id}: helpUri is an absolute URL`);
      assert.ok(['none', 'note', 'warning', 'error'].includes(String(r.defaultConfiguration?.level)), `${r.id}: level`);
      const sev = Number(r.properties?.['security-severity']);
      assert.ok(sev >= 0 && sev <= 10, `${r.id}: security-severity ${sev}`);
      assert.ok(((r.properties?.tags as string[]) ?? []).length <= 20, 'at most 20 tags');
    }
    for (const base of Object.values(run.originalUriBaseIds ?? {}))
      assert.ok(base.uri?.endsWith('/'), `originalUriBaseIds uri ends with /: ${base.uri}`);
    const results = run.results ?? [];
    assert.ok(results.length <= 25_000);
    for (const res of results) {
      assert.ok(res.ruleId && ids.includes(res.ruleId), `result names a rule: ${res.ruleId}`);
      assert.equal(ids[res.ruleIndex ?? -1], res.ruleId, 'ruleIndex points at the rule');
      assert.ok(res.message.text, 'message.text');
      assert.ok((res.locations ?? []).length <= 1000 && (res.relatedLocations ?? []).length <= 1000);
      const fp = Object.values(res.partialFingerprints ?? {});
      assert.ok(fp.length > 0 && fp.every((v) => typeof v === 'string' && v.length > 0), 'partialFingerprints');
      for (const loc of [...(res.locations ?? []), ...(res.relatedLocations ?? [])]) {
        const pl = loc.physicalLocation;
        if (!pl) {
          assert.ok(loc.logicalLocations?.[0]?.fullyQualifiedName, 'a location is physical or logical');
          continue;
        }
        const uri = pl.artifactLocation?.uri ?? '';
        if (!/^file:\/\//.test(uri)) {
          assert.ok(!/^[a-z]+:/i.test(uri) && !uri.startsWith('/'), `relative uri: ${uri}`);
          assert.ok(
            pl.artifactLocation?.uriBaseId && run.originalUriBaseIds?.[pl.artifactLocation.uriBaseId],
            'uriBaseId defined',
          );
        }
        if (pl.region) assert.ok((pl.region.startLine ?? 0) >= 1, 'startLine >= 1');
      }
    }
  }
}

let ajvJson: InstanceType<typeof Ajv2019> | undefined;

/** Every schema the package ships (schema/*.schema.json), compiled strictly (a sloppy schema fails here). */
export function jsonSchemas(): InstanceType<typeof Ajv2019> {
  if (!ajvJson) {
    ajvJson = new Ajv2019({ allErrors: true, strict: true, strictRequired: false });
    addFormats(ajvJson);
    for (const f of readdirSync(join(PACKAGE_ROOT, 'schema')).filter((n) => n.endsWith('.schema.json')))
      ajvJson.addSchema(JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', f), 'utf8')));
  }
  return ajvJson;
}

/** Validates against `schema/<name>.schema.json` (by its $id). */
export function validateJson(name: string, data: unknown): void {
  const v = jsonSchemas().getSchema(`${name}.schema.json`);
  assert.ok(v, `schema ${name} is loaded`);
  const ok = v(data);
  assert.ok(ok, `${name} schema errors: ${JSON.stringify(v.errors, null, 2).slice(0, 4000)}`);
}
