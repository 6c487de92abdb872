function h = fspecial(type, siz, sigma)
  % The 'gaussian' kernel of MATLAB's fspecial (normalised to unit sum); other types error.
  if ~strcmpi(type, 'gaussian'), error('fspecial: only gaussian is supported by this shim'); end
  if numel(siz) == 1, siz = [siz siz]; end
  [x, y] = meshgrid(-(siz(2) - 1) / 2:(siz(2) - 1) / 2, -(siz(1) - 1) / 2:(siz(1) - 1) / 2);
  h = exp(-(x .^ 2 + y .^ 2) / (2 * sigma ^ 2));
  h(h < eps * max(h(:))) = 0;
  h = h / sum(h(:));
end
