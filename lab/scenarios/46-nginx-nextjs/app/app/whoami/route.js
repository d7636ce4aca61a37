import { headers } from 'next/headers';
import { whatTheAppSees } from '../origin.js';

export const dynamic = 'force-dynamic';

export async function GET() {
  return Response.json(whatTheAppSees(await headers()));
}
