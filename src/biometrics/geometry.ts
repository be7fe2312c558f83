// Plain geometry for faces: boxes and points in image pixels, free of any tfjs or face-api class, so
// results can cross IPC and be compared in tests.

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function boxCenter(box: Box): Point {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A square box of side `size` centred on `center`. */
export function squareAround(center: Point, size: number): Box {
  return { x: center.x - size / 2, y: center.y - size / 2, width: size, height: size };
}

export function scaleBox(box: Box, factor: number): Box {
  return squareAroundRect(boxCenter(box), box.width * factor, box.height * factor);
}

function squareAroundRect(center: Point, width: number, height: number): Box {
  return { x: center.x - width / 2, y: center.y - height / 2, width, height };
}

export function boundingBox(points: readonly Point[]): Box {
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

export function mean(points: readonly Point[]): Point {
  const sum = points.reduce((acc, point) => ({ x: acc.x + point.x, y: acc.y + point.y }), {
    x: 0,
    y: 0,
  });
  return { x: sum.x / points.length, y: sum.y / points.length };
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** `point` rotated by `radians` about `origin` (image axes: y down, so positive turns clockwise). */
export function rotateAbout(point: Point, origin: Point, radians: number): Point {
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const dx = point.x - origin.x;
  const dy = point.y - origin.y;
  return { x: origin.x + dx * cos - dy * sin, y: origin.y + dx * sin + dy * cos };
}
